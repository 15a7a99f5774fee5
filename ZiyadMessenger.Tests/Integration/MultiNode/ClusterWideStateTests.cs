using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>
/// CONTRACT §6: presence and login lockout are cluster-wide; <c>GET /status</c> on any node lists every
/// live node (id, address, version, uptime, connections, last seen) and which one leads.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ClusterWideStateTests(ThreeNodeClusterFixture fixture)
{
    private static readonly TimeSpan OfflineAfter =
        TimeSpan.FromSeconds(double.Parse(ThreeNodeClusterFixture.Settings["ZiyadMessenger:Presence:OfflineAfterSeconds"], System.Globalization.CultureInfo.InvariantCulture));

    [SkippableFact]
    public async Task A_socket_on_one_node_makes_the_user_online_on_every_node_and_offline_everywhere_after_it_closes()
    {
        var cluster = fixture.Require();
        var subject = await cluster[0].CreateUserAsync("pres");
        var watcher = await cluster[1].CreateUserAsync("watch");

        foreach (var node in cluster.Nodes)
        {
            (await StatusAsync(node, watcher, subject)).Should().Be(0, $"{node}: no socket and no heartbeat yet");
        }

        var socket = await cluster[0].ConnectAsync(subject);
        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitUntilAsync(async () => await StatusAsync(node, watcher, subject) == 1, TimeSpan.FromSeconds(5),
                $"{node} reports online a user whose only socket is on node1");
        }

        await socket.DisposeAsync();
        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitUntilAsync(async () => await StatusAsync(node, watcher, subject) == 0, OfflineAfter * 3 + TimeSpan.FromSeconds(3),
                $"{node} reports offline once the socket on node1 closed and {OfflineAfter.TotalSeconds} s passed");
        }
    }

    [SkippableFact]
    public async Task A_heartbeat_on_one_node_is_the_status_every_node_reports()
    {
        var cluster = fixture.Require();
        var subject = await cluster[0].CreateUserAsync("beat");
        var watcher = await cluster[2].CreateUserAsync("watch");
        using var presence = cluster[1].Client(ModuleNames.Presence, subject.Token);
        (await presence.PostAsJsonAsync("/heartbeat", new { user_id = subject.Id, status = 2 })).StatusCode.Should().Be(HttpStatusCode.OK);

        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitUntilAsync(async () => await StatusAsync(node, watcher, subject) == 2, TimeSpan.FromSeconds(5),
                $"{node} reports busy after a heartbeat on node2");
        }
    }

    [SkippableFact]
    public async Task Failed_logins_spread_over_the_nodes_lock_the_username_on_every_node()
    {
        var cluster = fixture.Require();
        var user = await cluster[0].CreateUserAsync("lock");
        var failures = int.Parse(ThreeNodeClusterFixture.Settings["ZiyadMessenger:Auth:LockoutFailures"], System.Globalization.CultureInfo.InvariantCulture);

        // One wrong password per node: no single node saw enough failures to lock on its own.
        for (var i = 0; i < failures; i++)
        {
            using var auth = cluster[i % 3].Client(ModuleNames.Auth);
            (await auth.PostAsJsonAsync("/login", new { username = user.Username, password = "wrong-password" })).StatusCode
                .Should().Be(HttpStatusCode.Unauthorized);
        }

        foreach (var node in cluster.Nodes)
        {
            using var auth = node.Client(ModuleNames.Auth);
            var login = await auth.PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
            login.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, $"{node} honours a lockout counted across nodes, even with the right password");
        }

        // Another username is not affected.
        var other = await cluster[1].CreateUserAsync("free");
        await cluster[2].LoginAsync(other.Username, other.Password);
    }

    [SkippableFact]
    public async Task Status_on_every_node_lists_the_three_live_nodes_with_their_details_and_one_leader()
    {
        var cluster = fixture.Require();
        var ids = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            ids.Add((await node.ClusterStatusAsync()).GetProperty("node_id").GetString()!);
        }

        ids.Should().OnlyHaveUniqueItems("each node has its own id (its own data directory)");

        // A socket on node2, so its heartbeat carries a connection count the others must show.
        var user = await cluster[1].CreateUserAsync("stat");
        await using var socket = await cluster[1].ConnectAsync(user);

        await cluster.WaitUntilAsync(async () =>
        {
            var leaders = new HashSet<string>();
            foreach (var node in cluster.Nodes)
            {
                var status = await node.ClusterStatusAsync();
                var live = status.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("healthy").GetBoolean()).ToList();
                if (!ids.All(id => live.Any(n => n.GetProperty("id").GetString() == id))
                    || status.GetProperty("healthy").GetInt32() != 3
                    || live.Single(n => n.GetProperty("id").GetString() == ids[1]).GetProperty("connections").ValueKind != JsonValueKind.Number
                    || live.Single(n => n.GetProperty("id").GetString() == ids[1]).GetProperty("connections").GetInt32() < 1)
                {
                    return false;
                }

                leaders.Add(status.GetProperty("leader_id").GetString() ?? "");
            }

            return leaders.Count == 1 && ids.Contains(leaders.Single());
        }, TimeSpan.FromSeconds(ThreeNodeCluster.NodeTimeoutSeconds * 3 + 5), "every node's /status lists the three nodes healthy, node2's connection, and the same leader");

        foreach (var (node, k) in cluster.Nodes.Select((n, k) => (n, k)))
        {
            var status = await node.ClusterStatusAsync();
            status.GetProperty("node_id").GetString().Should().Be(ids[k]);
            var entries = status.GetProperty("nodes").EnumerateArray().Where(n => ids.Contains(n.GetProperty("id").GetString()!)).ToList();
            entries.Should().HaveCount(3);
            entries.Count(n => n.GetProperty("is_leader").GetBoolean()).Should().Be(1, $"{node} names exactly one leader");
            entries.Single(n => n.GetProperty("is_leader").GetBoolean()).GetProperty("id").GetString().Should().Be(status.GetProperty("leader_id").GetString());
            entries.Single(n => n.GetProperty("self").GetBoolean()).GetProperty("id").GetString().Should().Be(ids[k]);
            foreach (var entry in entries)
            {
                var id = entry.GetProperty("id").GetString();
                var peer = cluster[ids.IndexOf(id!)];
                entry.GetProperty("address").GetString().Should().Contain(peer.Process.Ports[ModuleNames.Cluster].ToString(System.Globalization.CultureInfo.InvariantCulture),
                    $"{node} lists {peer}'s address as it advertised it");
                entry.GetProperty("version").GetString().Should().NotBeNullOrEmpty($"{node} knows {peer}'s version from its heartbeat");
                entry.GetProperty("uptime_seconds").GetDouble().Should().BeGreaterThanOrEqualTo(0);
                entry.GetProperty("connections").ValueKind.Should().Be(JsonValueKind.Number);
                DateTimeOffset.Parse(entry.GetProperty("last_seen").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                    .Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(ThreeNodeCluster.NodeTimeoutSeconds + 5));
            }
        }
    }

    private static async Task<int> StatusAsync(ClusterNode node, TestUser asker, TestUser subject)
    {
        using var presence = node.Client(ModuleNames.Presence, asker.Token);
        var status = await presence.GetFromJsonAsync<JsonElement>($"/status?user_id={subject.Id}");
        return status.GetProperty("status").GetInt32();
    }
}
