namespace ZiyadMessenger.Modules.Contracts.Cluster;

public static class ClusterBusExtensions
{
    private static readonly TimeSpan[] Pauses = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400)];

    /// <summary>
    /// For a signal another node must not miss (a revocation, a membership change): a send that fails is
    /// tried twice more within half a second. Should the store stay unreachable, the other nodes' listeners
    /// lose it too, and they re-read everything when they reconnect.
    /// </summary>
    public static async ValueTask<bool> PublishWithRetryAsync(this IClusterBus bus, string topic, string payload, CancellationToken cancellationToken = default)
    {
        if (await bus.PublishAsync(topic, payload, cancellationToken))
        {
            return true;
        }

        foreach (var pause in Pauses)
        {
            await Task.Delay(pause, cancellationToken);
            if (await bus.PublishAsync(topic, payload, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }
}
