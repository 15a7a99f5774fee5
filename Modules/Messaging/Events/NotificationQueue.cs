using System.Threading.Channels;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ZiyadMessenger.Modules.Messaging.Events;

/// <summary>
/// Publishes Messaging's notifications (MessageSent, UserConnected, …) off the hot path: the writer and
/// the sockets only queue them, after the commit; one loop publishes them in order, a scope per batch.
/// A slow listener therefore delays neither acks nor delivery. Drained at shutdown.
/// </summary>
internal sealed class NotificationQueue(IServiceScopeFactory scopes, ILogger<NotificationQueue> logger) : BackgroundService
{
    private readonly Channel<INotification> _queue = Channel.CreateUnbounded<INotification>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(INotification notification)
    {
        if (!_queue.Writer.TryWrite(notification))
        {
            logger.LogWarning("Dropped {Notification} published during shutdown", notification.GetType().Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            await using var scope = scopes.CreateAsyncScope();
            var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
            var published = 0;
            while (published < 512 && reader.TryRead(out var notification))
            {
                published++;
                try
                {
                    await publisher.Publish(notification, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Publishing {Notification} failed", notification.GetType().Name);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }
}
