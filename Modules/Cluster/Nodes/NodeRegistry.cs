using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Cluster.Data;

namespace ZiyadMessenger.Modules.Cluster.Nodes;

/// <summary>A node other than this one, as the registry knows it.</summary>
internal sealed record RegisteredNode(string Id, string Address, DateTimeOffset JoinedAt, DateTimeOffset LastSeen, long JoinCount);

/// <param name="IsNew">First time this node id joined.</param>
/// <param name="AddressChanged">It joined before from another address.</param>
internal sealed record NodeJoinResult(RegisteredNode Node, bool IsNew, bool AddressChanged);

/// <summary>
/// The nodes that announced themselves through /join, kept in the module's store (SQLite or
/// PostgreSQL). Nodes sharing a PostgreSQL store need no /join: they heartbeat (<c>PostgresMembership</c>).
/// </summary>
internal interface INodeRegistry
{
    /// <summary>Records a join or a re-join (which refreshes last seen and the address).</summary>
    Task<NodeJoinResult> JoinAsync(string nodeId, string address, CancellationToken cancellationToken);

    Task<IReadOnlyList<RegisteredNode>> ListAsync(CancellationToken cancellationToken);
}

internal sealed class StoreNodeRegistry(IDbContextFactory<ClusterDbContext> contexts, TimeProvider clock) : INodeRegistry
{
    // Two joins of the same new node at once would both try to insert it; one process, so one lock will do.
    private readonly SemaphoreSlim _joinLock = new(1, 1);

    public async Task<NodeJoinResult> JoinAsync(string nodeId, string address, CancellationToken cancellationToken)
    {
        await _joinLock.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var now = clock.GetUtcNow();
            var node = await db.Nodes.SingleOrDefaultAsync(n => n.NodeId == nodeId, cancellationToken);
            var isNew = node is null;
            var addressChanged = false;
            if (node is null)
            {
                node = new ClusterNode { NodeId = nodeId, Address = address, JoinedAt = now, LastSeen = now, JoinCount = 1 };
                db.Nodes.Add(node);
            }
            else
            {
                addressChanged = !string.Equals(node.Address, address, StringComparison.Ordinal);
                node.Address = address;
                node.LastSeen = now;
                node.JoinCount++;
            }

            await db.SaveChangesAsync(CancellationToken.None);
            return new NodeJoinResult(ToRecord(node), isNew, addressChanged);
        }
        finally
        {
            _joinLock.Release();
        }
    }

    public async Task<IReadOnlyList<RegisteredNode>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.JoinedAt).ThenBy(n => n.NodeId).ToListAsync(cancellationToken);
        return nodes.ConvertAll(ToRecord);
    }

    private static RegisteredNode ToRecord(ClusterNode n) => new(n.NodeId, n.Address, n.JoinedAt, n.LastSeen, n.JoinCount);
}
