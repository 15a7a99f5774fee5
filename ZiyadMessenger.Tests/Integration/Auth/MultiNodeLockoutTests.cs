using System.Net;
using System.Net.Http.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Cluster;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>
/// Login lockout is cluster-wide (CONTRACT §6): failures for one name counted on every node of one
/// PostgreSQL database add up, and the lockout holds on all of them, for users (Auth) and admins (Admin).
/// </summary>
public sealed class MultiNodeLockoutTests
{
    private static readonly Dictionary<string, string?> FiveFailures = new()
    {
        ["ZiyadMessenger:Auth:LockoutFailures"] = "5",
        ["ZiyadMessenger:Auth:LockoutMinutes"] = "5",
        ["ZiyadMessenger:Admin:LockoutFailures"] = "5",
        ["ZiyadMessenger:Admin:LockoutMinutes"] = "5",
    };

    [PostgresFact]
    public async Task Five_failures_spread_over_three_nodes_lock_the_name_on_every_node()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, FiveFailures);
        var victim = await a.CreateUserAsync();
        await using var b = await ClusterNodes.StartAsync(database, FiveFailures);
        await using var c = await ClusterNodes.StartAsync(database, FiveFailures);
        TestHost[] nodes = [a, b, c];

        for (var i = 0; i < 4; i++)
        {
            (await LoginAsync(nodes[i % 3], victim.Username, "wrong-password")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        // Four failures, each node saw at most two: nobody is locked out yet.
        (await LoginAsync(c, victim.Username, victim.Password)).StatusCode.Should().Be(HttpStatusCode.OK);

        for (var i = 0; i < 5; i++)
        {
            (await LoginAsync(nodes[i % 3], victim.Username, "wrong-password")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        foreach (var node in nodes)
        {
            var locked = await LoginAsync(node, victim.Username.ToUpperInvariant(), victim.Password);
            locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            locked.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 300);
        }
    }

    [PostgresFact]
    public async Task Failures_for_an_unknown_name_add_up_across_nodes_too()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, FiveFailures);
        await using var b = await ClusterNodes.StartAsync(database, FiveFailures);

        for (var i = 0; i < 5; i++)
        {
            (await LoginAsync(i % 2 == 0 ? a : b, "nobody-here", "whatever-pw")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        (await LoginAsync(a, "nobody-here", "whatever-pw")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await LoginAsync(b, "nobody-here", "whatever-pw")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [PostgresFact]
    public async Task Admin_login_failures_spread_over_nodes_lock_the_admin_on_every_node()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var a = await ClusterNodes.StartAsync(database, FiveFailures);
        await using var b = await ClusterNodes.StartAsync(database, FiveFailures);

        for (var i = 0; i < 5; i++)
        {
            (await AdminLoginAsync(i % 2 == 0 ? a : b, "wrong-admin-password")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        (await AdminLoginAsync(a, ClusterNodes.AdminPassword)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await AdminLoginAsync(b, ClusterNodes.AdminPassword)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    private static Task<HttpResponseMessage> LoginAsync(TestHost node, string username, string password) =>
        node.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username, password });

    private static Task<HttpResponseMessage> AdminLoginAsync(TestHost node, string password) =>
        node.Client(ModuleNames.Admin).PostAsJsonAsync("/admin/login", new { username = "admin", password });
}
