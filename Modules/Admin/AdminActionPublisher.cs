using Mediator;
using ZiyadMessenger.Modules.Contracts.Admin;

namespace ZiyadMessenger.Modules.Admin;

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
