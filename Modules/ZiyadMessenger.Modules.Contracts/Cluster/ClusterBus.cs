namespace ZiyadMessenger.Modules.Contracts.Cluster;

/// <summary>
/// What the nodes of one cluster tell each other. A signal is a hint, never the record: it names what
/// changed (ids and seqs, never content), and the receiver reads the store for the truth. Nothing is
/// replayed: after <see cref="Resynchronize"/> a subscriber re-reads whatever it may have missed.
/// One node (SQLite) has no other node to tell: <see cref="SingleNodeBus"/> sends and receives nothing.
/// On PostgreSQL the Host carries it on LISTEN/NOTIFY over one dedicated connection.
/// </summary>
public interface IClusterBus
{
    /// <summary>This process's id on the bus; its own signals are not handed back to it.</summary>
    string InstanceId { get; }

    /// <summary>True when other nodes may exist (PostgreSQL): only then is anything sent or received.</summary>
    bool IsClustered { get; }

    /// <summary>
    /// Sends a signal to every other node, outside any transaction (after a commit, or for what is
    /// ephemeral: typing). Returns false when the bus could not send it (store unreachable).
    /// </summary>
    ValueTask<bool> PublishAsync(string topic, string payload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Calls <paramref name="handler"/> for every signal of <paramref name="topic"/> from another node,
    /// one at a time, in the order the bus received them. Handlers should be quick (queue the work).
    /// </summary>
    IDisposable Subscribe(string topic, Func<ClusterSignal, CancellationToken, ValueTask> handler);

    /// <summary>
    /// Raised each time the listener (re)connects, the first time included: whatever was signalled
    /// while it was away is gone, so subscribers re-read from the store.
    /// </summary>
    event Func<CancellationToken, ValueTask>? Resynchronize;
}

/// <summary>A signal as another node sent it.</summary>
public sealed record ClusterSignal(string Topic, string FromInstance, string Payload);

/// <summary>
/// The wire form of a signal, for a store that sends one inside its own committing transaction
/// (<c>SELECT pg_notify(ClusterWire.Channel, ClusterWire.Encode(...))</c>): delivered at commit, or never.
/// </summary>
public static class ClusterWire
{
    /// <summary>The one PostgreSQL notification channel every node listens on.</summary>
    public const string Channel = "ziyad_cluster";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes and more; a signal stays well under.</summary>
    public const int MaxPayloadBytes = 7900;

    public static string Encode(string instanceId, string topic, string payload) => $"{instanceId}|{topic}|{payload}";

    public static bool TryDecode(string wire, out ClusterSignal signal)
    {
        signal = null!;
        var first = wire.IndexOf('|', StringComparison.Ordinal);
        var second = first < 0 ? -1 : wire.IndexOf('|', first + 1);
        if (first <= 0 || second <= first + 1)
        {
            return false;
        }

        signal = new ClusterSignal(wire[(first + 1)..second], wire[..first], wire[(second + 1)..]);
        return true;
    }
}

/// <summary>One node alone: nobody to tell, nothing to hear; <see cref="IClusterBus.Resynchronize"/> never fires.</summary>
public sealed class SingleNodeBus : IClusterBus
{
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public bool IsClustered => false;

    public ValueTask<bool> PublishAsync(string topic, string payload, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);

    public IDisposable Subscribe(string topic, Func<ClusterSignal, CancellationToken, ValueTask> handler) => Nothing.Instance;

    public event Func<CancellationToken, ValueTask>? Resynchronize
    {
        add { }
        remove { }
    }

    private sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Whether this node runs the jobs that must run once in the cluster (sweeps, pruning, presence
/// timeouts, retention). One node alone always leads; on PostgreSQL the Cluster module holds a lease row.
/// </summary>
public interface ILeadership
{
    bool IsLeader { get; }
}

/// <summary>One node alone leads.</summary>
public sealed class AlwaysLeader : ILeadership
{
    public bool IsLeader => true;
}
