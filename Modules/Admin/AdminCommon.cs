using System.Security.Claims;
using Mediator;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>The admin roles. Only <see cref="SuperAdmin"/> and <see cref="Admin"/> may act; a viewer may only look at its own account.</summary>
internal static class AdminRoles
{
    public const string SuperAdmin = "super_admin";
    public const string Admin = "admin";
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> All = [SuperAdmin, Admin, Viewer];
}

/// <summary>The admin on whose behalf a command runs: the audit trail names them.</summary>
internal sealed record AdminActor(string Id, string Username)
{
    public static AdminActor From(ClaimsPrincipal principal) => new(principal.UserId(), principal.Username());
}

internal static class PublisherExtensions
{
    /// <summary>Tells the rest of the system (Audit, the live feed) what an admin just did. Call after commit.</summary>
    public static ValueTask AdminAction(this IPublisher publisher, AdminActor actor, string action, string target, string details = "", CancellationToken cancellationToken = default) =>
        publisher.Publish(new AdminActionPerformed(actor.Id, actor.Username, action, target, details), cancellationToken);
}

internal static class Validation
{
    public const string UsernamePattern = "^[a-zA-Z0-9_.-]{3,32}$";
}
