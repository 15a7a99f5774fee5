using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;
using ZiyadMessenger.Tests.Integration.Presence;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>
/// Several nodes on one PostgreSQL database (CONTRACT §6): every node's /status lists every live node
/// and the one leader; a dead node turns unhealthy within NodeTimeoutSeconds, and a dead leader's lease
/// goes to another node, whose leader-only jobs then run.
/// </summary>
public sealed class MultiNodeClusterTests
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    [PostgresFact]
    public async Task Status_on_every_node_lists_every_live_node_and_the_same_single_leader()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database);
        await using var b = await ClusterNodes.StartAsync(database);
        await using var c = await ClusterNodes.StartAsync(database);
        var ids = new[] { await a.NodeIdAsync(), await b.NodeIdAsync(), await c.NodeIdAsync() };
        ids.Distinct().Should().HaveCount(3);
        var user = await a.CreateUserAsync();
        await using var socket = await a.ConnectAsync(user);

        foreach (var node in new[] { a, b, c })
        {
            // A's socket reaches the others with A's next heartbeat.
            var status = await ClusterNodes.EventuallyAsync(node.StatusAsync,
                s => s.GetProperty("healthy").GetInt32() == 3 && s.Node(ids[0])?.GetProperty("connections").GetInt32() >= 1,
                ClusterNodes.NodeTimeout, "three healthy nodes, A with its socket");

            status.GetProperty("total").GetInt32().Should().Be(3);
            status.HealthyIds().Should().BeEquivalentTo(ids);
            var leaders = status.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("is_leader").GetBoolean()).ToList();
            leaders.Should().ContainSingle();
            leaders[0].GetProperty("role").GetString().Should().Be("leader");
            status.GetProperty("leader_id").GetString().Should().Be(leaders[0].GetProperty("id").GetString());
            foreach (var id in ids)
            {
                var entry = status.Node(id)!.Value;
                entry.GetProperty("version").GetString().Should().NotBeNullOrEmpty();
                entry.GetProperty("address").GetString().Should().NotBeNullOrEmpty();
                entry.GetProperty("uptime_seconds").GetInt64().Should().BeGreaterThanOrEqualTo(0);
                entry.GetProperty("self").GetBoolean().Should().Be(id == status.GetProperty("node_id").GetString());
            }
        }

        var leaderIds = new List<string?>();
        foreach (var node in new[] { a, b, c })
        {
            leaderIds.Add((await node.StatusAsync()).GetProperty("leader_id").GetString());
        }

        leaderIds.Distinct().Should().ContainSingle().Which.Should().BeOneOf(ids);
        new[] { a, b, c }.Count(n => n.Services.GetRequiredService<ILeadership>().IsLeader).Should().Be(1);
    }

    [PostgresFact]
    public async Task A_killed_node_is_unhealthy_on_the_others_within_the_node_timeout()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database);
        await using var doomed = await ClusterNodes.StartProcessAsync(database);
        var doomedId = await doomed.NodeIdAsync();
        await ClusterNodes.EventuallyAsync(a.StatusAsync, s => s.HealthyIds().Contains(doomedId), ClusterNodes.NodeTimeout, "the second node listed healthy");

        doomed.Kill();
        var clock = Stopwatch.StartNew();
        var after = await ClusterNodes.EventuallyAsync(a.StatusAsync, s => !s.HealthyIds().Contains(doomedId),
            ClusterNodes.NodeTimeout + Slack, "the killed node turning unhealthy");

        clock.Elapsed.Should().BeLessThan(ClusterNodes.NodeTimeout + Slack);
        after.Node(doomedId).Should().NotBeNull("a dead node stays listed, as unhealthy, so an operator sees it is down");
        after.GetProperty("healthy").GetInt32().Should().Be(1);
        after.GetProperty("total").GetInt32().Should().Be(2);
    }

    [PostgresFact]
    public async Task A_cleanly_stopped_node_is_unhealthy_at_once_and_gives_up_the_lead()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var first = await ClusterNodes.StartAsync(database);
        await using var second = await ClusterNodes.StartAsync(database);
        var firstId = await first.NodeIdAsync();
        (await second.StatusAsync()).GetProperty("leader_id").GetString().Should().Be(firstId, "the first node to start takes the free lease");

        await first.DisposeAsync();

        // Released, the lease goes at the other node's next beat: a quarter of the timeout, not the whole.
        var status = await ClusterNodes.EventuallyAsync(second.StatusAsync,
            s => s.GetProperty("leader_id").GetString() == s.GetProperty("node_id").GetString(), ClusterNodes.NodeTimeout / 2, "the lead moving");
        status.Node(firstId)!.Value.GetProperty("healthy").GetBoolean().Should().BeFalse();
    }

    [PostgresFact]
    public async Task The_leaders_death_hands_the_lead_to_another_node_within_the_timeout_where_leader_only_jobs_then_run()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var presence = new Dictionary<string, string?> { ["ZiyadMessenger:Presence:OfflineAfterSeconds"] = "2" };
        await using var leader = await ClusterNodes.StartProcessAsync(database, presence);
        var leaderId = await leader.NodeIdAsync();
        var alice = await ClusterNodes.CreateUserAsync(path => leader.Url(ModuleNames.Auth, path));
        await using var other = await ClusterNodes.StartAsync(database, presence);
        var observer = await other.CreateUserAsync();
        (await other.StatusAsync()).GetProperty("leader_id").GetString().Should().Be(leaderId);
        other.Services.GetRequiredService<ILeadership>().IsLeader.Should().BeFalse();

        // Alice's only socket is on the leader; the other node shows her online from the shared rows.
        await using var socket = await WsClient.ConnectAsync(leader.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={Uri.EscapeDataString(alice.Token)}"));
        await other.WaitForStatusAsync(observer, alice.Id, 1, ClusterNodes.NodeTimeout);

        leader.Kill();
        var clock = Stopwatch.StartNew();
        await ClusterNodes.EventuallyAsync(() => Task.FromResult(other.Services.GetRequiredService<ILeadership>().IsLeader), leads => leads,
            ClusterNodes.NodeTimeout + Slack, "the other node taking the lead");
        clock.Elapsed.Should().BeLessThan(ClusterNodes.NodeTimeout + TimeSpan.FromSeconds(1));
        (await other.StatusAsync()).GetProperty("leader_id").GetString().Should().Be(await other.NodeIdAsync());

        // The dead node's sockets are expired by the new leader's job; then Alice's offline window runs out.
        await other.WaitForStatusAsync(observer, alice.Id, 0, ClusterNodes.NodeTimeout + TimeSpan.FromSeconds(4));
    }
}
