using Mediator;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>An open WebSocket counts as online: Messaging says when sockets open and close.</summary>
internal sealed class ConnectionHandlers(PresenceTracker tracker, TimeProvider clock)
    : INotificationHandler<UserConnected>, INotificationHandler<UserDisconnected>
{
    public ValueTask Handle(UserConnected notification, CancellationToken cancellationToken)
    {
        tracker.Connected(notification.UserId, notification.OpenSockets, clock.GetUtcNow());
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserDisconnected notification, CancellationToken cancellationToken)
    {
        tracker.Disconnected(notification.UserId, notification.OpenSockets, clock.GetUtcNow());
        return ValueTask.CompletedTask;
    }
}
