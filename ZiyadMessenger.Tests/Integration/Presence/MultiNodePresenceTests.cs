using System.Text.Json;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Cluster;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Presence;

/// <summary>
/// Presence is cluster-wide (CONTRACT §6): two nodes on one PostgreSQL database agree on who is online
/// and with which status, and each pushes the other's changes to its own sockets. (A dead node's sockets
/// expiring is in <see cref="MultiNodeClusterTests"/>, which can kill a node.)
/// </summary>
public sealed class MultiNodePresenceTests
{
    private const double OfflineAfterSeconds = 2;
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, string?> Window = new()
    {
        ["ZiyadMessenger:Presence:OfflineAfterSeconds"] = OfflineAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [PostgresFact]
    public async Task A_socket_on_one_node_shows_the_user_online_on_the_other_until_it_closes_and_the_window_passes()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, Window);
        var alice = await a.CreateUserAsync();
        var bob = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, Window);
        (await b.StatusCodeOfAsync(bob, alice.Id)).Should().Be(0);

        var socket = await a.ConnectAsync(alice);
        await b.WaitForStatusAsync(bob, alice.Id, 1, Soon);
        // Online past the offline window: an open socket counts, whichever node holds it.
        await Task.Delay(TimeSpan.FromSeconds(OfflineAfterSeconds + 1));
        (await b.StatusCodeOfAsync(bob, alice.Id)).Should().Be(1);

        await socket.DisposeAsync();
        await b.WaitForStatusAsync(bob, alice.Id, 0, Soon + TimeSpan.FromSeconds(OfflineAfterSeconds));
    }

    [PostgresFact]
    public async Task A_status_set_on_one_node_is_seen_on_the_other_and_pushed_to_its_sockets()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, Window);
        var alice = await a.CreateUserAsync();
        var bob = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, Window);
        await using var watching = await b.ConnectAsync(bob, version: 2);
        await using var aliceSocket = await a.ConnectAsync(alice);
        (await NextPresenceOfAsync(watching, alice.Id)).GetProperty("status").GetInt32().Should().Be(1);

        (await a.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();

        (await NextPresenceOfAsync(watching, alice.Id)).GetProperty("status").GetInt32().Should().Be(2);
        (await b.StatusCodeOfAsync(bob, alice.Id)).Should().Be(2);

        (await b.HeartbeatAsync(alice, 3)).EnsureSuccessStatusCode();
        await a.WaitForStatusAsync(bob, alice.Id, 3, Soon);
        (await NextPresenceOfAsync(watching, alice.Id)).GetProperty("status").GetInt32().Should().Be(3);
    }

    [PostgresFact]
    public async Task Signing_off_on_one_node_and_reconnecting_at_once_on_another_comes_back_online_not_with_the_old_status()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, Window);
        var alice = await a.CreateUserAsync();
        var bob = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, Window);
        var onA = await a.ConnectAsync(alice);
        (await a.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        await b.WaitForStatusAsync(bob, alice.Id, 2, Soon);

        // Signs off and closes on A, and is back on B straight away (a laptop moving between load balancer targets).
        (await a.HeartbeatAsync(alice, 0)).EnsureSuccessStatusCode();
        await onA.DisposeAsync();
        await using var onB = await b.ConnectAsync(alice);

        await StaysAsync(a, b, bob, alice.Id, 1);
    }

    [PostgresFact]
    public async Task Reconnecting_on_another_node_after_the_window_passed_comes_back_online_not_with_the_old_status()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, Window);
        var alice = await a.CreateUserAsync();
        var bob = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, Window);
        var onA = await a.ConnectAsync(alice);
        (await a.HeartbeatAsync(alice, 3)).EnsureSuccessStatusCode();
        await b.WaitForStatusAsync(bob, alice.Id, 3, Soon);

        await onA.DisposeAsync();
        await a.WaitForStatusAsync(bob, alice.Id, 0, Soon + TimeSpan.FromSeconds(OfflineAfterSeconds));
        await b.WaitForStatusAsync(bob, alice.Id, 0, Soon);
        await using var onB = await b.ConnectAsync(alice);

        await StaysAsync(a, b, bob, alice.Id, 1);
    }

    [PostgresFact]
    public async Task A_quick_reconnect_on_another_node_keeps_the_chosen_status()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, Window);
        var alice = await a.CreateUserAsync();
        var bob = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, Window);
        var onA = await a.ConnectAsync(alice);
        (await a.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        await b.WaitForStatusAsync(bob, alice.Id, 2, Soon);

        // Never offline (back within the window, without signing off): still busy, on both nodes.
        await onA.DisposeAsync();
        await using var onB = await b.ConnectAsync(alice);

        await StaysAsync(a, b, bob, alice.Id, 2);
        await Task.Delay(TimeSpan.FromSeconds(OfflineAfterSeconds + 0.5));
        (await a.StatusCodeOfAsync(bob, alice.Id)).Should().Be(2);
    }

    /// <summary>Both nodes reach <paramref name="expected"/> and stay there for a few polls (no stale value coming back).</summary>
    private static async Task StaysAsync(TestHost a, TestHost b, TestUser asker, string userId, int expected)
    {
        await a.WaitForStatusAsync(asker, userId, expected, Soon);
        await b.WaitForStatusAsync(asker, userId, expected, Soon);
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(150);
            (await a.StatusCodeOfAsync(asker, userId)).Should().Be(expected, "node A, poll {0}", i);
            (await b.StatusCodeOfAsync(asker, userId)).Should().Be(expected, "node B, poll {0}", i);
        }
    }

    private static async Task<JsonElement> NextPresenceOfAsync(WsClient socket, string userId)
    {
        var deadline = DateTime.UtcNow + Soon;
        while (true)
        {
            var data = await socket.ReceiveEventAsync("presence", deadline - DateTime.UtcNow);
            if (data.GetProperty("user_id").GetString() == userId)
            {
                return data;
            }
        }
    }
}
