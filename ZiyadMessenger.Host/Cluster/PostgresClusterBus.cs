using System.Collections.Immutable;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Cluster;

/// <summary>
/// The cluster bus on PostgreSQL: one dedicated connection (not from the pool) LISTENs on
/// <see cref="ClusterWire.Channel"/> and waits for notifications; signals are sent with <c>pg_notify</c>
/// on the shared pool. The listener reconnects with a growing pause after any failure and raises
/// <see cref="Resynchronize"/> on every connect, the first one included, since PostgreSQL keeps nothing
/// for a listener that was away. Received signals go into one queue, handed to subscribers one at a time
/// in the order they arrived (the order the sending transactions committed), so a slow subscriber never
/// stalls the connection that reads them.
/// </summary>
internal sealed class PostgresClusterBus : BackgroundService, IClusterBus
{
    /// <summary>Npgsql pings an idle listener this often, so a connection that died silently is noticed.</summary>
    private const int KeepAliveSeconds = 5;

    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _listenerConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresClusterBus> _logger;
    private readonly Channel<ClusterSignal?> _inbox = Channel.CreateUnbounded<ClusterSignal?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, ImmutableArray<Func<ClusterSignal, CancellationToken, ValueTask>>> _subscribers =
        ImmutableDictionary.Create<string, ImmutableArray<Func<ClusterSignal, CancellationToken, ValueTask>>>(StringComparer.Ordinal);
    private ImmutableArray<Func<CancellationToken, ValueTask>> _resynchronize = [];
    private volatile bool _connected;
    private long _connects;
    private long _received;
    private DateTimeOffset _since;

    public PostgresClusterBus(NpgsqlDataSource dataSource, StoreOptions store, TimeProvider time, ILogger<PostgresClusterBus> logger)
    {
        _dataSource = dataSource;
        _time = time;
        _logger = logger;
        _since = time.GetUtcNow();
        ListenerName = "ziyad-messenger listener " + InstanceId;
        _listenerConnectionString = new NpgsqlConnectionStringBuilder(store.ConnectionString)
        {
            Pooling = false,
            KeepAlive = KeepAliveSeconds,
            ApplicationName = ListenerName,
        }.ConnectionString;
    }

    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public bool IsClustered => true;

    /// <summary>The listening connection's <c>application_name</c>, as <c>pg_stat_activity</c> shows it.</summary>
    public string ListenerName { get; }

    /// <summary>The listener holds a connection and is waiting for signals.</summary>
    public bool IsListening => _connected;

    /// <summary>How many times the listener has connected (each one raised <see cref="Resynchronize"/>).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    public long Received => Interlocked.Read(ref _received);

    /// <summary>The first pause before reconnecting; it doubles with each failure up to 10 s. Tests lengthen it to make an outage.</summary>
    internal TimeSpan FirstRetry { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Since when the listener has been in its current state (connected or not).</summary>
    public DateTimeOffset StateSince => _since;

    public event Func<CancellationToken, ValueTask>? Resynchronize
    {
        add
        {
            if (value is not null)
            {
                lock (_gate)
                {
                    _resynchronize = _resynchronize.Add(value);
                }
            }
        }
        remove
        {
            if (value is not null)
            {
                lock (_gate)
                {
                    _resynchronize = _resynchronize.Remove(value);
                }
            }
        }
    }

    public IDisposable Subscribe(string topic, Func<ClusterSignal, CancellationToken, ValueTask> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (topic.Contains('|', StringComparison.Ordinal))
        {
            throw new ArgumentException("A topic cannot contain '|'.", nameof(topic));
        }

        lock (_gate)
        {
            _subscribers = _subscribers.SetItem(topic, _subscribers.GetValueOrDefault(topic, []).Add(handler));
        }

        return new Subscription(this, topic, handler);
    }

    public async ValueTask<bool> PublishAsync(string topic, string payload, CancellationToken cancellationToken = default)
    {
        var wire = ClusterWire.Encode(InstanceId, topic, payload);
        if (Encoding.UTF8.GetByteCount(wire) > ClusterWire.MaxPayloadBytes)
        {
            // A bug of the sender, not an outage: the signal's shape must change, not be retried.
            _logger.LogError("A {Topic} signal of {Bytes} bytes is over the limit and was not sent", topic, Encoding.UTF8.GetByteCount(wire));
            return false;
        }

        try
        {
            await using var command = _dataSource.CreateCommand("SELECT pg_notify($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = ClusterWire.Channel });
            command.Parameters.Add(new NpgsqlParameter { Value = wire });
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Could not send a {Topic} signal to the other nodes: {Error}", topic, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dispatcher = Task.Run(() => DispatchAsync(stoppingToken), CancellationToken.None);
        try
        {
            await ListenAsync(stoppingToken);
        }
        finally
        {
            _inbox.Writer.TryComplete();
            await dispatcher;
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        TimeSpan? pause = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenerConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {ClusterWire.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                SetConnected(true);
                Interlocked.Increment(ref _connects);
                pause = null;
                _logger.LogInformation("Listening for the other nodes' signals (connection {Count})", Connects);
                // Queued behind whatever arrived before: subscribers re-read only after handling those.
                _inbox.Writer.TryWrite(null);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                pause = pause is { } last ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, LongestRetry.Ticks)) : FirstRetry;
                var wasConnected = _connected;
                SetConnected(false);
                if (wasConnected)
                {
                    _logger.LogWarning("Lost the connection that hears the other nodes ({Error}); reconnecting", ex.Message);
                }
                else
                {
                    _logger.LogWarning("Cannot listen for the other nodes' signals ({Error}); retrying in {Pause} ms", ex.Message, (int)pause.Value.TotalMilliseconds);
                }
            }

            try
            {
                await Task.Delay(pause ?? FirstRetry, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        SetConnected(false);
    }

    private void SetConnected(bool connected)
    {
        if (_connected != connected)
        {
            _connected = connected;
            _since = _time.GetUtcNow();
        }
    }

    /// <summary>Runs on the listener while it reads: only decodes and queues.</summary>
    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (!ClusterWire.TryDecode(e.Payload, out var signal))
        {
            _logger.LogWarning("Ignored a notification on {Channel} that is not a signal", e.Channel);
            return;
        }

        if (signal.FromInstance == InstanceId)
        {
            return;
        }

        Interlocked.Increment(ref _received);
        _inbox.Writer.TryWrite(signal);
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        await foreach (var signal in _inbox.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (signal is null)
            {
                foreach (var handler in _resynchronize)
                {
                    await InvokeAsync(() => handler(stoppingToken), "resynchronize");
                }

                continue;
            }

            if (_subscribers.TryGetValue(signal.Topic, out var handlers))
            {
                foreach (var handler in handlers)
                {
                    await InvokeAsync(() => handler(signal, stoppingToken), signal.Topic);
                }
            }
        }
    }

    private async Task InvokeAsync(Func<ValueTask> call, string what)
    {
        try
        {
            await call();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // One subscriber's failure must not cost the others their signals.
            _logger.LogError(ex, "A subscriber failed to handle a {Topic} signal", what);
        }
    }

    private void Unsubscribe(string topic, Func<ClusterSignal, CancellationToken, ValueTask> handler)
    {
        lock (_gate)
        {
            if (_subscribers.TryGetValue(topic, out var handlers))
            {
                handlers = handlers.Remove(handler);
                _subscribers = handlers.IsEmpty ? _subscribers.Remove(topic) : _subscribers.SetItem(topic, handlers);
            }
        }
    }

    private sealed class Subscription(PostgresClusterBus bus, string topic, Func<ClusterSignal, CancellationToken, ValueTask> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bus.Unsubscribe(topic, handler);
            }
        }
    }
}

/// <summary>
/// <c>cluster.bus</c> on the Cluster port: healthy while the listener hears the other nodes; degraded while
/// it reconnects, unhealthy once it has been away long enough that this node is no longer in step.
/// </summary>
internal sealed class ClusterBusHealthCheck(PostgresClusterBus bus, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (bus.IsListening)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"Listening (connected {bus.Connects} time(s), {bus.Received} signal(s) received)."));
        }

        var away = time.GetUtcNow() - bus.StateSince;
        return Task.FromResult(away < Grace && bus.Connects > 0
            ? HealthCheckResult.Degraded("Reconnecting to hear the other nodes.")
            : HealthCheckResult.Unhealthy($"Not hearing the other nodes for {(int)away.TotalSeconds} s."));
    }
}
