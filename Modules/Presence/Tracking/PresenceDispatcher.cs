using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>
/// Tells the system about presence changes, in the order they happened: PresenceChanged for listeners,
/// and BroadcastPresence to Messaging, which pushes a v2 <c>presence</c> event to the sockets. Changes
/// are queued rather than sent inline because many of them arise inside Messaging's own
/// UserConnected/UserDisconnected publishing; calling back into Messaging from there would tie the
/// two modules' locks together.
/// </summary>
internal sealed class PresenceDispatcher(PresenceTracker tracker, IServiceScopeFactory scopes, ILogger<PresenceDispatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = tracker.Changes;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await using var scope = scopes.CreateAsyncScope();
                var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
                var sender = scope.ServiceProvider.GetRequiredService<ISender>();
                while (reader.TryRead(out var change))
                {
                    await publisher.Publish(change, CancellationToken.None);
                    try
                    {
                        await sender.Send(new BroadcastPresence(change.UserId, (int)change.Status, change.LastSeen), CancellationToken.None);
                    }
                    catch (Exception ex)
                    {
                        logger.LogWarning(ex, "Pushing the presence of {UserId} to sockets failed", change.UserId);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
