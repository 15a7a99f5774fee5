using System.Net.WebSockets;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Users;

/// <summary>
/// What Auth tells us about users: revoked sessions, a logout, deactivation and deletion close the user's
/// sockets at once; any change refreshes the cached user. Auth tells this node of changes made on another
/// node too (<see cref="UserRefreshed"/>, and the same revocations), so this holds across the cluster.
/// </summary>
internal sealed class UserEvents(ConnectionRegistry connections, UserDirectory users, ILogger<UserEvents> logger)
    : INotificationHandler<UserSessionsRevoked>, INotificationHandler<UserUpdated>, INotificationHandler<UserDeleted>, INotificationHandler<UserCreated>,
        INotificationHandler<UserTokenRevoked>, INotificationHandler<UserRefreshed>
{
    public ValueTask Handle(UserTokenRevoked notification, CancellationToken cancellationToken)
    {
        var closed = connections.CloseToken(notification.UserId, notification.TokenId, WebSocketCloseStatus.PolicyViolation, "The token was logged out.");
        if (closed > 0)
        {
            logger.LogInformation("Closed {Count} sockets of user {UserId}: logged out", closed, notification.UserId);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserRefreshed notification, CancellationToken cancellationToken)
    {
        if (notification.User is { } user)
        {
            users.Update(user);
            if (!user.IsActive)
            {
                Close(user.Id, "account deactivated");
            }
        }
        else
        {
            users.Forget(notification.UserId);
            Close(notification.UserId, "account deleted");
        }

        return ValueTask.CompletedTask;
    }

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
