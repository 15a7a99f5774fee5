using System.Net.WebSockets;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Users;

/// <summary>
/// What Auth tells us about users: revoked sessions, deactivation and deletion close the user's sockets
/// at once; any change refreshes the cached user.
/// </summary>
internal sealed class UserEvents(ConnectionRegistry connections, UserDirectory users, ILogger<UserEvents> logger)
    : INotificationHandler<UserSessionsRevoked>, INotificationHandler<UserUpdated>, INotificationHandler<UserDeleted>, INotificationHandler<UserCreated>
{
    public ValueTask Handle(UserSessionsRevoked notification, CancellationToken cancellationToken)
    {
        Close(notification.UserId, $"sessions revoked ({notification.Reason})", notification.KeptTokenId);
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserUpdated notification, CancellationToken cancellationToken)
    {
        users.Update(notification.User);
        if (!notification.User.IsActive)
        {
            Close(notification.User.Id, "account deactivated");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserDeleted notification, CancellationToken cancellationToken)
    {
        users.Forget(notification.UserId);
        Close(notification.UserId, "account deleted");
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserCreated notification, CancellationToken cancellationToken)
    {
        users.Update(notification.User);
        return ValueTask.CompletedTask;
    }

    private void Close(string userId, string reason, string? keptTokenId = null)
    {
        var closed = connections.CloseUser(userId, WebSocketCloseStatus.PolicyViolation, reason, keptTokenId);
        if (closed > 0)
        {
            logger.LogInformation("Closed {Count} sockets of user {UserId}: {Reason}", closed, userId, reason);
        }
    }
}
