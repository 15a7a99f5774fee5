using System.Net.WebSockets;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// Re-checks the token of every open socket every few seconds, so a logout or an expired token ends
/// the socket as it ends HTTP access (revocations Auth announces close sockets at once, see UserEvents).
/// At shutdown it closes every socket (1001) so that clients reconnect elsewhere or later.
/// </summary>
internal sealed class SessionWatch(
    ConnectionRegistry connections,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    MessagingOptions options,
    TimeProvider time,
    ILogger<SessionWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lifetime.ApplicationStopping.Register(() => connections.CloseAll(WebSocketCloseStatus.EndpointUnavailable, "The server is shutting down."));
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.TokenRecheckSeconds)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        var all = connections.All;
        if (all.IsEmpty)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var now = time.GetUtcNow();
        foreach (var connection in all)
        {
            if (connection.IsClosing)
            {
                continue;
            }

            try
            {
                var valid = connection.ExpiresAt is not { } expires || expires > now;
                if (valid && connection.TokenId is { } tokenId)
                {
                    valid = await sender.Send(new ValidateUserToken(connection.UserId, connection.TokenVersion, tokenId), cancellationToken);
                }

                if (!valid)
                {
                    logger.LogInformation("Closing socket {ConnectionId} of user {UserId}: its token expired or was revoked", connection.Id, connection.UserId);
                    connection.Close(WebSocketCloseStatus.PolicyViolation, "The token expired or was revoked.");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not re-check the token of socket {ConnectionId}", connection.Id);
            }
        }
    }
}
