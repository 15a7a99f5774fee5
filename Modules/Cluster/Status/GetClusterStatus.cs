using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Cluster.Membership;
using ZiyadMessenger.Modules.Cluster.Nodes;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Cluster.Status;

/// <summary>One node in the status report. Null means not known: a joined node reports only its id and address.</summary>
internal sealed record NodeReport(
    string Id,
    string Address,
    string Role,
    bool IsLeader,
    bool Self,
    bool Healthy,
    DateTimeOffset LastSeen,
    DateTimeOffset? JoinedAt,
    string? Version,
    long? UptimeSeconds,
    int? Connections,
    int? ConnectedUsers);

internal sealed record ClusterReport(string NodeId, string? LeaderId, int Total, int Healthy, long NodeTimeoutSeconds, IReadOnlyList<NodeReport> Nodes);

/// <summary>The full report GET /status answers with.</summary>
internal sealed record GetClusterReport : IQuery<ClusterReport>;

internal sealed class GetClusterReportHandler(
    INodeRegistry registry,
    LocalNode self,
    ILeaderView leader,
    ClusterOptions options,
    TimeProvider clock,
    ISender sender,
    ILogger<GetClusterReportHandler> logger,
    PostgresMembership? membership = null)
    : IQueryHandler<GetClusterReport, ClusterReport>
{
    public const string LeaderRole = "leader";
    public const string MemberRole = "member";

    public async ValueTask<ClusterReport> Handle(GetClusterReport query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var connections = await ConnectionsAsync(cancellationToken);
        var nodes = new List<NodeReport>();
        string? leaderId;
        if (membership is null)
        {
            leaderId = leader.LeaderId;
            nodes.Add(SelfNow(leaderId, now, now, connections));
        }
        else
        {
            // Every node sharing the store, judged by the database's clock; this node's own counts are live.
            var (leaseHolder, members) = await membership.ReadAsync(cancellationToken);
            leaderId = leaseHolder;
            foreach (var member in members)
            {
                var isLeader = member.Id == leaderId;
                nodes.Add(member.Id == self.Id
                    ? SelfNow(leaderId, member.LastSeen, now, connections)
                    : new NodeReport(member.Id, member.Address, isLeader ? LeaderRole : MemberRole, isLeader, false, member.Healthy,
                        member.LastSeen, null, member.Version, member.UptimeSeconds, member.Connections, member.ConnectedUsers));
            }

            if (!nodes.Any(n => n.Self))
            {
                nodes.Insert(0, SelfNow(leaderId, now, now, connections));
            }
        }

        foreach (var node in await registry.ListAsync(cancellationToken))
        {
            if (nodes.Any(n => n.Id == node.Id))
            {
                continue;
            }

            var healthy = now - node.LastSeen <= options.NodeTimeout;
            nodes.Add(new NodeReport(node.Id, node.Address, node.Id == leaderId ? LeaderRole : MemberRole, node.Id == leaderId,
                false, healthy, node.LastSeen, node.JoinedAt, null, null, null, null));
        }

        return new ClusterReport(self.Id, leaderId, nodes.Count, nodes.Count(n => n.Healthy), (long)options.NodeTimeout.TotalSeconds, nodes);
    }

    private NodeReport SelfNow(string? leaderId, DateTimeOffset lastSeen, DateTimeOffset now, ConnectionStats? connections)
    {
        var isLeader = leaderId == self.Id;
        return new NodeReport(self.Id, self.Address, isLeader ? LeaderRole : MemberRole, isLeader, true, true, lastSeen, null, self.Version,
            (long)(now - self.StartedAt).TotalSeconds, connections?.OpenSockets, connections?.ConnectedUsers);
    }

    /// <summary>Open sockets come from Messaging; without an answer the status still works, with the count unknown.</summary>
    private async Task<ConnectionStats?> ConnectionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await sender.Send(new GetConnectionStats(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Connection counts are unavailable");
            return null;
        }
    }
}

/// <summary>The same report in the contract's shape, for Admin's monitoring and /admin/cluster/status.</summary>
internal sealed class GetClusterStatusHandler(ISender sender) : IQueryHandler<GetClusterStatus, ClusterStatus>
{
    public async ValueTask<ClusterStatus> Handle(GetClusterStatus query, CancellationToken cancellationToken)
    {
        var report = await sender.Send(new GetClusterReport(), cancellationToken);
        var nodes = report.Nodes
            .Select(n => new NodeInfo(n.Id, n.Address, n.Role, n.IsLeader, n.LastSeen, n.Version ?? "", n.UptimeSeconds ?? 0, n.Connections ?? 0, n.Healthy))
            .ToList();
        return new ClusterStatus(report.NodeId, nodes, report.Total, report.Healthy);
    }
}

internal static class StatusEndpoint
{
    public static void MapStatus(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/status", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetClusterReport(), ct)))
            .WithName("GetClusterStatus")
            .WithSummary("Every node of the cluster, and which one leads")
            .WithDescription("Healthy and total counts, the leader, and per node: id, address, role, last seen, version, uptime and open connections " +
                "(null where a node that only joined through /join did not report it). On PostgreSQL every node sharing the database is listed " +
                "from its heartbeat; one not seen for NodeTimeoutSeconds is unhealthy. No token needed.")
            .AllowAnonymous();
}
