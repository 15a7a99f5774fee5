using Mediator;
using Microsoft.Extensions.Logging;

namespace ZiyadMessenger.Host.Bus;

/// <summary>
/// Publishes a notification to every handler in turn; a handler that throws is logged and skipped, so a
/// failing listener never fails the request that published. Handlers that do slow work (Audit's writes)
/// queue it and return at once.
/// </summary>
internal sealed class ResilientNotificationPublisher(ILogger<ResilientNotificationPublisher> logger) : INotificationPublisher
{
    public async ValueTask Publish<TNotification>(NotificationHandlers<TNotification> handlers, TNotification notification, CancellationToken cancellationToken)
        where TNotification : INotification
    {
        foreach (var handler in handlers)
        {
            try
            {
                await handler.Handle(notification, cancellationToken);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Notification handler {Handler} failed for {Notification}", handler.GetType().Name, typeof(TNotification).Name);
            }
        }
    }
}
