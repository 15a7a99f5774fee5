using Mediator;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Devices;

internal static class DeviceKinds
{
    public static readonly IReadOnlyList<string> All = ["desktop", "laptop", "phone", "tablet", "other"];
}

internal sealed record DeviceView(string Id, string Name, string Kind, string Identifier, string? UserId, bool IsActive, string Notes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DeviceView From(Device d) => new(d.Id, d.Name, d.Kind, d.Identifier, d.UserId, d.IsActive, d.Notes, d.CreatedAt, d.UpdatedAt);
}

/// <summary>The body of a device create or (partial) update, for the API description.</summary>
internal sealed record DeviceBody(string? Name, string? Kind, string? Identifier, string? UserId, bool? IsActive, string? Notes);

internal static class DeviceRules
{
    public static string Conflict(string identifier) => $"A device with identifier '{identifier}' is already registered.";

    public static AppException NotFound(string id) => AppException.NotFound($"No device with id '{id}'.");

    /// <summary>A device is assigned to a user who exists (400 on <c>user_id</c> otherwise).</summary>
    public static async Task EnsureUserExistsAsync(ISender sender, string? userId, CancellationToken cancellationToken)
    {
        if (userId is not null && await sender.Send(new GetUser(userId), cancellationToken) is null)
        {
            throw AppException.Field("user_id", $"No user with id '{userId}'.");
        }
    }

    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
