using System.Globalization;
using System.Net.WebSockets;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// <c>GET /ws?token=…[&amp;user_id=…][&amp;v=2]</c>. The token is checked by the Host before this runs
/// (401 without one); a <c>user_id</c> that is not the token's user is 403.
/// </summary>
internal static class WebSocketEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        // As a Delegate, not a RequestDelegate, so that it gets a RouteHandlerBuilder and its API description.
        api.MapGet("/ws", (Delegate)HandleAsync)
            .Describe("WebSocket", "Opens the WebSocket (v1: bare message objects; v2 with ?v=2: event envelopes). Needs an upgrade request.", 400, 403);

    public static async Task HandleAsync(HttpContext context)
    {
        var userId = context.User.UserId();
        var claimed = context.Request.Query["user_id"].ToString();
        if (claimed.Length > 0 && claimed != userId)
        {
            throw AppException.Forbidden("user_id does not match the token.");
        }

        var version = context.Request.Query["v"].ToString() switch
        {
            "" or "1" => 1,
            "2" => 2,
            _ => throw AppException.Field("v", "v must be 1 or 2."),
        };

        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw AppException.BadRequest("This endpoint speaks WebSocket only: send an upgrade request.");
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<MessagingOptions>();
        var registry = services.GetRequiredService<ConnectionRegistry>();
        var notifications = services.GetRequiredService<NotificationQueue>();
        // One logger for every socket: the logger factory makes a new logger (and its caches) per call.
        var logger = services.GetRequiredService<ILogger<SocketSession>>();

        var tokenVersion = int.TryParse(context.User.FindFirst(ZiyadClaims.TokenVersion)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var tv) ? tv : 0;
        DateTimeOffset? expiresAt = long.TryParse(context.User.FindFirst(ZiyadClaims.ExpiresAt)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : null;

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var connection = new ClientConnection(socket, userId, version, context.User.TokenId(), tokenVersion, expiresAt,
            options.SocketQueueFrames, options.SocketQueueBytes, logger);
        var session = new SocketSession(socket, connection, services.GetRequiredService<MessageIntake>(), services.GetRequiredService<ChannelAccess>(),
            services.GetRequiredService<IFanout>(), services.GetRequiredService<TypingThrottle>(), services.GetRequiredService<ISender>(), options, logger);

        var open = registry.Add(connection);
        notifications.Enqueue(new UserConnected(userId, connection.Id, open));
        logger.LogInformation("Socket {ConnectionId} of user {UserId} opened (v{Version})", connection.Id, userId, version);
        var sending = connection.RunSenderAsync();
        var receiving = session.RunAsync(connection.Aborted);
        try
        {
            var first = await Task.WhenAny(receiving, sending);
            if (first == receiving)
            {
                // The client closed or went away: flush what is queued, then the close frame.
                connection.Close(WebSocketCloseStatus.NormalClosure, "");
                await WithinAsync(sending, connection);
            }
            else
            {
                // We closed it (revoked, too slow, shutdown): give the client a moment to answer the close.
                await WithinAsync(receiving, connection);
            }
        }
        finally
        {
            var left = registry.Remove(connection);
            notifications.Enqueue(new UserDisconnected(userId, connection.Id, left));
            logger.LogInformation("Socket {ConnectionId} of user {UserId} closed", connection.Id, userId);
        }
    }

    private static async Task WithinAsync(Task task, ClientConnection connection)
    {
        if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(5))) != task)
        {
            connection.Abort();
        }

        await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(1)));
    }
}
