using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Audit;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>A host with a join secret configured, shared by the tests of this class.</summary>
public sealed class ClusterHostFixture : IAsyncLifetime
{
    public const string JoinSecret = "lan-join-secret-for-tests-0123456789";

    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Cluster:JoinSecret"] = JoinSecret });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class ClusterTests(ClusterHostFixture fixture) : IClassFixture<ClusterHostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private HttpClient Cluster => _host.Client(ModuleNames.Cluster);

    private static string NewNodeId() => "node-" + Guid.NewGuid().ToString("N")[..12];

    private Task<HttpResponseMessage> JoinAsync(string query, string? secret = ClusterHostFixture.JoinSecret, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, "/join" + query);
        if (secret is not null)
        {
            request.Headers.Add("X-Cluster-Join-Secret", secret);
        }

        return Cluster.SendAsync(request);
    }

    private async Task<JsonElement> StatusAsync()
    {
        var response = await Cluster.GetAsync("/status");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static JsonElement? Node(JsonElement status, string id) =>
        status.GetProperty("nodes").EnumerateArray().Cast<JsonElement?>().SingleOrDefault(n => n!.Value.GetProperty("id").GetString() == id);

    [Fact]
    public async Task Status_reports_this_node_as_the_healthy_leader_without_a_token()
    {
        var status = await StatusAsync();

        var id = status.GetProperty("node_id").GetString()!;
        Guid.TryParse(id, out _).Should().BeTrue();
        status.GetProperty("leader_id").GetString().Should().Be(id);
        var self = Node(status, id)!.Value;
        self.GetProperty("self").GetBoolean().Should().BeTrue();
        self.GetProperty("role").GetString().Should().Be("leader");
        self.GetProperty("is_leader").GetBoolean().Should().BeTrue();
        self.GetProperty("healthy").GetBoolean().Should().BeTrue();
        self.GetProperty("address").GetString().Should().Be($"127.0.0.1:{_host.Ports[ModuleNames.Cluster]}");
        self.GetProperty("version").GetString().Should().MatchRegex(@"^\d+\.\d+\.\d+");
        self.GetProperty("uptime_seconds").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        self.GetProperty("last_seen").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        var nodes = status.GetProperty("nodes").GetArrayLength();
        status.GetProperty("total").GetInt32().Should().Be(nodes);
        status.GetProperty("healthy").GetInt32().Should().BeInRange(1, nodes);
        File.ReadAllText(Path.Combine(_host.DataDirectory, "cluster-node-id")).Should().Be(id);
    }

    [Fact]
    public async Task Uptime_grows_while_the_server_runs()
    {
        var first = await StatusAsync();
        var id = first.GetProperty("node_id").GetString()!;
        var before = Node(first, id)!.Value.GetProperty("uptime_seconds").GetInt64();
        await Task.Delay(1100);

        var after = Node(await StatusAsync(), id)!.Value.GetProperty("uptime_seconds").GetInt64();

        after.Should().BeGreaterThan(before);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task A_node_with_the_secret_joins_and_is_listed_healthy(string method)
    {
        var nodeId = NewNodeId();

        var response = await JoinAsync($"?node_id={nodeId}&addr=10.0.0.7:8085", method: new HttpMethod(method));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("joined");
        body.GetProperty("node_id").GetString().Should().Be(nodeId);
        body.GetProperty("new").GetBoolean().Should().BeTrue();
        var status = await StatusAsync();
        body.GetProperty("leader_id").GetString().Should().Be(status.GetProperty("node_id").GetString());
        var node = Node(status, nodeId)!.Value;
        node.GetProperty("address").GetString().Should().Be("10.0.0.7:8085");
        node.GetProperty("role").GetString().Should().Be("member");
        node.GetProperty("is_leader").GetBoolean().Should().BeFalse();
        node.GetProperty("self").GetBoolean().Should().BeFalse();
        node.GetProperty("healthy").GetBoolean().Should().BeTrue();
        node.GetProperty("last_seen").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        // Only what the node told us is known about it.
        node.GetProperty("version").ValueKind.Should().Be(JsonValueKind.Null);
        node.GetProperty("connections").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_rejoin_refreshes_last_seen_and_address_and_keeps_one_entry()
    {
        var nodeId = NewNodeId();
        (await JoinAsync($"?node_id={nodeId}&addr=10.0.0.8:8085")).StatusCode.Should().Be(HttpStatusCode.OK);
        var first = Node(await StatusAsync(), nodeId)!.Value;
        await Task.Delay(20);

        var again = await JoinAsync($"?node_id={nodeId}&addr=10.0.0.9:8085");

        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("new").GetBoolean().Should().BeFalse();
        var status = await StatusAsync();
        status.GetProperty("nodes").EnumerateArray().Count(n => n.GetProperty("id").GetString() == nodeId).Should().Be(1);
        var second = Node(status, nodeId)!.Value;
        second.GetProperty("address").GetString().Should().Be("10.0.0.9:8085");
        second.GetProperty("joined_at").GetDateTimeOffset().Should().Be(first.GetProperty("joined_at").GetDateTimeOffset());
        second.GetProperty("last_seen").GetDateTimeOffset().Should().BeAfter(first.GetProperty("last_seen").GetDateTimeOffset());
    }

    [Fact]
    public async Task Joins_are_audited_when_a_node_is_new_or_moves_not_on_every_heartbeat()
    {
        var nodeId = NewNodeId();
        await JoinAsync($"?node_id={nodeId}&addr=10.0.1.1:8085");
        await JoinAsync($"?node_id={nodeId}&addr=10.0.1.1:8085");
        await JoinAsync($"?node_id={nodeId}&addr=10.0.1.2:8085");
        var admin = await _host.AdminTokenAsync();

        var entries = await AuditTestKit.WaitForEntriesAsync(_host, admin, $"?action=cluster.node_joined&actor=node:{nodeId}", atLeast: 2);

        entries.Should().HaveCount(2);
        entries.Select(e => JsonDocument.Parse(e.GetProperty("details").GetString()!).RootElement.GetProperty("address").GetString())
            .Should().Equal("10.0.1.2:8085", "10.0.1.1:8085");
        entries.Should().OnlyContain(e => !e.GetProperty("details").GetString()!.Contains(ClusterHostFixture.JoinSecret));
    }

    public static TheoryData<string, string> BadJoins() => new()
    {
        { "?addr=10.0.0.1:8085", "node_id" },
        { "?node_id=&addr=10.0.0.1:8085", "node_id" },
        { "?node_id=%20%20&addr=10.0.0.1:8085", "node_id" },
        { "?node_id=" + new string('n', 65) + "&addr=10.0.0.1:8085", "node_id" },
        { "?node_id=bad%0Aid&addr=10.0.0.1:8085", "node_id" },
        { "?node_id=n1", "addr" },
        { "?node_id=n1&addr=", "addr" },
        { "?node_id=n1&addr=" + new string('a', 129), "addr" },
        { "?node_id=n1&addr=10.0.0.1%00", "addr" },
        { "", "node_id" },
    };

    [Theory]
    [MemberData(nameof(BadJoins))]
    public async Task Invalid_joins_are_400_naming_the_parameter_with_or_without_credentials(string query, string field)
    {
        foreach (var secret in new[] { ClusterHostFixture.JoinSecret, null })
        {
            var response = await JoinAsync(query, secret);

            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(problem.ToString());
        }
    }

    [Fact]
    public async Task Ids_and_addresses_at_the_limits_are_accepted()
    {
        var longId = "n" + Guid.NewGuid().ToString("N") + new string('x', 31); // 64 characters
        var longAddr = new string('a', 119) + ".lan:8085"; // 128 characters

        (await JoinAsync($"?node_id={longId}&addr={longAddr}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await JoinAsync("?node_id=x&addr=y")).StatusCode.Should().Be(HttpStatusCode.OK);
        var unicode = "nœud-" + Guid.NewGuid().ToString("N")[..6];
        (await JoinAsync($"?node_id={Uri.EscapeDataString(unicode)}&addr=h%C3%B4te:8085")).StatusCode.Should().Be(HttpStatusCode.OK);

        var status = await StatusAsync();
        Node(status, longId)!.Value.GetProperty("address").GetString().Should().Be(longAddr);
        Node(status, unicode)!.Value.GetProperty("address").GetString().Should().Be("hôte:8085");
    }

    [Fact]
    public async Task Joining_needs_the_secret_or_an_admin_token()
    {
        var nodeId = NewNodeId();
        var query = $"?node_id={nodeId}&addr=10.0.2.1:8085";

        var anonymous = await JoinAsync(query, secret: null);
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Contain("X-Cluster-Join-Secret");

        (await JoinAsync(query, secret: "wrong-secret-wrong-secret")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await JoinAsync(query, secret: ClusterHostFixture.JoinSecret[..^1])).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var user = await _host.CreateUserAsync();
        using (var asUser = _host.Client(ModuleNames.Cluster, user.Token))
        {
            (await asUser.GetAsync("/join" + query)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        Node(await StatusAsync(), nodeId).Should().BeNull("no refused join may register the node");

        using var asAdmin = _host.Client(ModuleNames.Cluster, await _host.AdminTokenAsync());
        (await asAdmin.PostAsync("/join" + query, null)).StatusCode.Should().Be(HttpStatusCode.OK);
        Node(await StatusAsync(), nodeId).Should().NotBeNull();
    }

    [Fact]
    public async Task A_node_cannot_join_under_this_servers_own_id()
    {
        var self = (await StatusAsync()).GetProperty("node_id").GetString();

        var response = await JoinAsync($"?node_id={self}&addr=10.9.9.9:8085");

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        Node(await StatusAsync(), self!)!.Value.GetProperty("address").GetString().Should().NotBe("10.9.9.9:8085");
    }

    [Fact]
    public async Task The_bus_query_gives_admin_the_same_view()
    {
        var nodeId = NewNodeId();
        await JoinAsync($"?node_id={nodeId}&addr=10.0.3.1:8085");

        ClusterStatus status;
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            status = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetClusterStatus());
        }

        var http = await StatusAsync();
        status.NodeId.Should().Be(http.GetProperty("node_id").GetString());
        status.Nodes.Should().Contain(n => n.Id == status.NodeId && n.IsLeader && n.Role == "leader" && n.Healthy);
        status.Nodes.Should().Contain(n => n.Id == nodeId && n.Address == "10.0.3.1:8085" && !n.IsLeader);
        status.Total.Should().Be(status.Nodes.Count);
        status.Healthy.Should().Be(status.Nodes.Count(n => n.Healthy));
    }

    [Fact]
    public async Task Open_websockets_are_counted_on_this_node()
    {
        var id = (await StatusAsync()).GetProperty("node_id").GetString()!;
        async Task<int> Connections() => Node(await StatusAsync(), id)!.Value.GetProperty("connections").GetInt32();
        async Task WaitFor(Func<int, bool> condition)
        {
            for (var deadline = DateTime.UtcNow.AddSeconds(20); !condition(await Connections()); await Task.Delay(50))
            {
                DateTime.UtcNow.Should().BeBefore(deadline, "the count should follow the sockets");
            }
        }

        var before = await Connections();
        var user = await _host.CreateUserAsync();
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={Uri.EscapeDataString(user.Token)}"), CancellationToken.None);

        await WaitFor(n => n == before + 1);
        Node(await StatusAsync(), id)!.Value.GetProperty("connected_users").GetInt32().Should().BeGreaterThanOrEqualTo(1);

        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await WaitFor(n => n == before);
    }

    [Fact]
    public async Task The_admin_port_shows_the_same_cluster()
    {
        var self = (await StatusAsync()).GetProperty("node_id").GetString()!;
        using var admin = _host.Client(ModuleNames.Admin, await _host.AdminTokenAsync());

        var response = await admin.GetAsync("/admin/cluster/status");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain(self);
    }

    [Fact]
    public async Task Cluster_paths_are_only_served_on_the_cluster_port()
    {
        var wrongPort = _host.Client(ModuleNames.Audit);
        (await wrongPort.GetAsync("/join?node_id=n&addr=a")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var status = await _host.Client(ModuleNames.Files).GetAsync("/status");
        status.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
