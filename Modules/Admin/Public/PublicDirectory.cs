using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Public;

internal sealed record DirectoryUser(string Id, string Username, string FullName, string Role, string? DepartmentId, string? Department, int Status, DateTimeOffset? LastSeen);
internal sealed record DirectoryChannel(string Id, string Name, string Type, string? DepartmentId, int MemberCount);

/// <summary>The office directory the existing desktop client reads: active users and public channels.</summary>
internal sealed record GetDirectoryUsers : IQuery<IReadOnlyList<DirectoryUser>>;
internal sealed record GetDirectoryChannels : IQuery<IReadOnlyList<DirectoryChannel>>;

internal sealed class DirectoryHandlers(ISender sender, AdminDbContext db, ILogger<DirectoryHandlers> logger) :
    IQueryHandler<GetDirectoryUsers, IReadOnlyList<DirectoryUser>>,
    IQueryHandler<GetDirectoryChannels, IReadOnlyList<DirectoryChannel>>
{
    public async ValueTask<IReadOnlyList<DirectoryUser>> Handle(GetDirectoryUsers query, CancellationToken cancellationToken)
    {
        var users = new List<UserInfo>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await sender.Send(new ListUsers(null, offset, 500, IncludeInactive: false), cancellationToken);
            users.AddRange(page.Users.Where(u => u.IsActive));
            if (page.Users.Count < 500)
            {
                break;
            }
        }

        var departments = await db.Departments.AsNoTracking().ToDictionaryAsync(d => d.Id, d => d.Name, cancellationToken);
        var presence = new Dictionary<string, PresenceInfo>();
        try
        {
            presence = (await sender.Send(new GetPresence(users.Select(u => u.Id).ToList()), cancellationToken)).ToDictionary(p => p.UserId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The directory is still useful without presence: everyone shows as offline.
            logger.LogWarning("Presence unavailable for the directory: {Reason}", ex.Message);
        }

        return users
            .OrderBy(u => u.FullName, StringComparer.OrdinalIgnoreCase)
            .Select(u => new DirectoryUser(u.Id, u.Username, u.FullName, u.Role, u.DepartmentId,
                u.DepartmentId is null ? null : departments.GetValueOrDefault(u.DepartmentId),
                (int)(presence.GetValueOrDefault(u.Id)?.Status ?? UserStatus.Offline),
                presence.GetValueOrDefault(u.Id)?.LastSeen))
            .ToList();
    }

    public async ValueTask<IReadOnlyList<DirectoryChannel>> Handle(GetDirectoryChannels query, CancellationToken cancellationToken) =>
        (await sender.Send(new ListChannels(IncludeDirect: false), cancellationToken))
            .Where(c => c.Type == ChannelTypes.Public)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .Select(c => new DirectoryChannel(c.Id, c.Name, c.Type, c.DepartmentId, c.MemberCount))
            .ToList();
}

internal static class PublicEndpoints
{
    internal sealed record DirectoryUsers(IReadOnlyList<DirectoryUser> Users);
    internal sealed record DirectoryChannels(IReadOnlyList<DirectoryChannel> Channels);

    public static void Map(IEndpointRouteBuilder app)
    {
        // "Public" means any signed-in account, user or admin: a staff list is not for every host on the LAN.
        var directory = app.MapGroup("/public").RequireAuthorization(AuthPolicies.AnyAccount);
        directory.MapGet("/users", async Task<Ok<DirectoryUsers>> (ISender s, CancellationToken ct) => TypedResults.Ok(new DirectoryUsers(await s.Send(new GetDirectoryUsers(), ct))))
            .WithName("DirectoryUsers")
            .WithSummary("The active users with department and presence, for the desktop client (any signed-in account).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        directory.MapGet("/channels", async Task<Ok<DirectoryChannels>> (ISender s, CancellationToken ct) => TypedResults.Ok(new DirectoryChannels(await s.Send(new GetDirectoryChannels(), ct))))
            .WithName("DirectoryChannels")
            .WithSummary("The public channels, for the desktop client (any signed-in account).")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
    }
}
