using System.Diagnostics;
using ZiyadMessenger.Modules.Cluster.Nodes;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Cluster.Membership;

/// <summary>Which node leads, as this node knows it: for /status and the /join answer.</summary>
internal interface ILeaderView
{
    /// <summary>The leader's node id; null while no node holds the lease (or this node has not read it yet).</summary>
    string? LeaderId { get; }
}

/// <summary>One node alone (SQLite) leads itself.</summary>
internal sealed class SelfLeader(LocalNode self) : ILeaderView
{
    public string? LeaderId => self.Id;
}

/// <summary>
/// Leadership by the lease row of <c>cluster_leases</c>, renewed by <see cref="ClusterHeartbeat"/>.
/// This node leads while the last renewal said it holds the lease and the lease has not run out by
/// this node's own monotonic clock, counted from before that renewal was sent: so when PostgreSQL
/// cannot be reached this node stops leading no later than the moment another node may take over.
/// </summary>
internal sealed class LeaseLeadership(LocalNode self) : ILeadership, ILeaderView
{
    private readonly Lock _gate = new();
    private string? _holder;
    private long _validUntil;

    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _holder == self.Id && Stopwatch.GetTimestamp() < _validUntil;
            }
        }
    }

    public string? LeaderId
    {
        get
        {
            lock (_gate)
            {
                return _holder;
            }
        }
    }

    /// <summary>What a renewal read: the holder and how long its lease has left, as of <paramref name="sentAt"/>.</summary>
    public void Observe(string? holder, TimeSpan left, long sentAt)
    {
        lock (_gate)
        {
            _holder = holder;
            _validUntil = sentAt + (long)(left.TotalSeconds * Stopwatch.Frequency);
        }
    }

    /// <summary>A clean stop released the lease.</summary>
    public void Released()
    {
        lock (_gate)
        {
            _holder = null;
            _validUntil = 0;
        }
    }
}
