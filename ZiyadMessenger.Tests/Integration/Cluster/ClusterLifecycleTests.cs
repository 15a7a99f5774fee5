using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>Node identity across restarts, health over time, and the settings checked at start.</summary>
public sealed class ClusterLifecycleTests
{
    private const string Secret = "lifecycle-join-secret-0123456789";

    [Fact]
    public async Task The_node_id_is_made_once_and_kept_across_restarts()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            string first;
            await using (var host = await TestHost.StartAsync(dataDirectory: directory))
            {
                first = await NodeIdAsync(host);
            }

            await using (var host = await TestHost.StartAsync(dataDirectory: directory))
            {
                (await NodeIdAsync(host)).Should().Be(first);
            }

            File.Delete(Path.Combine(directory, "cluster-node-id"));
            await using (var host = await TestHost.StartAsync(dataDirectory: directory))
            {
                (await NodeIdAsync(host)).Should().NotBe(first);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Joined_nodes_are_kept_across_restarts()
    {
        var directory = TestHost.NewDataDirectory();
        var settings = new Dictionary<string, string?> { ["ZiyadMessenger:Cluster:JoinSecret"] = Secret };
        try
        {
            await using (var host = await TestHost.StartAsync(settings, directory))
            {
                (await JoinAsync(host, "kept-node", "10.1.0.1:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
            }

            await using (var host = await TestHost.StartAsync(settings, directory))
            {
                var status = await StatusAsync(host);
                status.GetProperty("nodes").EnumerateArray().Should().Contain(n => n.GetProperty("id").GetString() == "kept-node");
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("has space")]
    public async Task A_damaged_node_id_file_stops_the_start_with_a_clear_message(string content)
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "cluster-node-id"), content);

            var start = () => TestHost.StartAsync(dataDirectory: directory);

            (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("cluster-node-id");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("ZiyadMessenger:Cluster:JoinSecret", "short")]
    [InlineData("ZiyadMessenger:Cluster:NodeTimeoutSeconds", "0")]
    public async Task Bad_cluster_settings_stop_the_start_naming_the_setting(string key, string value)
    {
        var start = () => TestHost.StartAsync(new Dictionary<string, string?> { [key] = value });

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain(key);
    }

    [Fact]
    public async Task A_node_not_seen_for_the_timeout_is_unhealthy_until_it_joins_again()
    {
        var clock = new AdjustableClock();
        await using var host = await TestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["ZiyadMessenger:Cluster:JoinSecret"] = Secret,
                ["ZiyadMessenger:Cluster:NodeTimeoutSeconds"] = "30",
            },
            services: s => s.AddSingleton<TimeProvider>(clock));
        (await JoinAsync(host, "n-fresh", "10.2.0.1:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await JoinAsync(host, "n-stale", "10.2.0.2:8085")).StatusCode.Should().Be(HttpStatusCode.OK);

        var fresh = await StatusAsync(host);
        fresh.GetProperty("total").GetInt32().Should().Be(3);
        fresh.GetProperty("healthy").GetInt32().Should().Be(3);

        clock.Advance(TimeSpan.FromSeconds(29));
        (await StatusAsync(host)).GetProperty("healthy").GetInt32().Should().Be(3, "29 s is within the 30 s timeout");

        clock.Advance(TimeSpan.FromSeconds(2));
        (await JoinAsync(host, "n-fresh", "10.2.0.1:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
        var later = await StatusAsync(host);
        later.GetProperty("total").GetInt32().Should().Be(3);
        later.GetProperty("healthy").GetInt32().Should().Be(2);
        Healthy(later, "n-stale").Should().BeFalse();
        Healthy(later, "n-fresh").Should().BeTrue();
        Healthy(later, later.GetProperty("node_id").GetString()!).Should().BeTrue("this node answers, so it is healthy");

        (await JoinAsync(host, "n-stale", "10.2.0.2:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await StatusAsync(host)).GetProperty("healthy").GetInt32().Should().Be(3);
    }

    [Fact]
    public async Task Without_a_configured_secret_a_secret_is_refused_and_only_admins_may_join()
    {
        await using var host = await TestHost.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/join?node_id=n1&addr=10.3.0.1:8085");
        request.Headers.Add("X-Cluster-Join-Secret", "anything-anything-anything");

        var withSecret = await host.Client(ModuleNames.Cluster).SendAsync(request);

        withSecret.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await host.Client(ModuleNames.Cluster).GetAsync("/join?node_id=n1&addr=10.3.0.1:8085")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var admin = host.Client(ModuleNames.Cluster, await host.AdminTokenAsync());
        (await admin.GetAsync("/join?node_id=n1&addr=10.3.0.1:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static bool Healthy(JsonElement status, string id) =>
        status.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == id).GetProperty("healthy").GetBoolean();

    private static async Task<string> NodeIdAsync(TestHost host) => (await StatusAsync(host)).GetProperty("node_id").GetString()!;

    private static async Task<JsonElement> StatusAsync(TestHost host)
    {
        var response = await host.Client(ModuleNames.Cluster).GetAsync("/status");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> JoinAsync(TestHost host, string nodeId, string address)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/join?node_id={nodeId}&addr={address}");
        request.Headers.Add("X-Cluster-Join-Secret", Secret);
        return host.Client(ModuleNames.Cluster).SendAsync(request);
    }

    /// <summary>Real time plus an offset the test moves forward, so a timeout passes without waiting for it.</summary>
    private sealed class AdjustableClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
    }
}
