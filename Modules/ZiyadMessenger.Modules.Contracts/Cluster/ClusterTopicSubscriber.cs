using Microsoft.Extensions.Hosting;

namespace ZiyadMessenger.Modules.Contracts.Cluster;

/// <summary>
/// A module's listener for one topic of the cluster bus: while the bus is clustered, each signal of
/// <see cref="Topic"/> from another node goes to <see cref="OnSignalAsync"/>, and after every
/// (re)connect of the listener <see cref="ResynchronizeAsync"/> re-reads what signals may have been missed.
/// On one node (SQLite) it subscribes to nothing.
/// </summary>
public abstract class ClusterTopicSubscriber(IClusterBus bus) : IHostedService
{
    private IDisposable? _subscription;

    protected abstract string Topic { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (bus.IsClustered)
        {
            _subscription = bus.Subscribe(Topic, OnSignalAsync);
            bus.Resynchronize += ResynchronizeAsync;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        bus.Resynchronize -= ResynchronizeAsync;
        return Task.CompletedTask;
    }

    protected abstract ValueTask OnSignalAsync(ClusterSignal signal, CancellationToken cancellationToken);

    protected abstract ValueTask ResynchronizeAsync(CancellationToken cancellationToken);
}
