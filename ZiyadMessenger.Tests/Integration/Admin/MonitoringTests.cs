using System.Net;
using System.Net.Http.Json;
using System.Text;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class MonitoringTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task Message_figures_follow_the_messages_actually_sent()
    {
        var admin = await _host.AdminClientAsync();
        var before = await (await admin.GetAsync("/admin/monitoring/messages")).JsonAsync(HttpStatusCode.OK);
        var user = await _host.CreateUserAsync();
        var messaging = _host.Client(ModuleNames.Messaging, user.Token);
        for (var i = 0; i < 3; i++)
        {
            (await messaging.PostAsJsonAsync("/send", new { channel_id = "general", type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes($"m{i}")), nonce = "", signature = "" }))
                .StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var after = await (await admin.GetAsync("/admin/monitoring/messages")).JsonAsync(HttpStatusCode.OK);
        after.GetProperty("total").GetInt64().Should().Be(before.GetProperty("total").GetInt64() + 3);
        after.GetProperty("today").GetInt64().Should().Be(before.GetProperty("today").GetInt64() + 3);
        after.GetProperty("last_hour").GetInt64().Should().Be(before.GetProperty("last_hour").GetInt64() + 3);
        var perMinute = after.GetProperty("per_minute_last_hour").EnumerateArray().Select(v => v.GetInt32()).ToList();
        perMinute.Sum().Should().Be((int)after.GetProperty("last_hour").GetInt64());
    }

    [Fact]
    public async Task User_figures_count_accounts_and_todays_logins()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.AdminClientAsync();
        await host.CreateUserAsync();
        var second = await host.CreateUserAsync();
        (await admin.PutAsJsonAsync($"/admin/users/{second.Id}", new { is_active = false })).StatusCode.Should().Be(HttpStatusCode.OK);

        var users = await (await admin.GetAsync("/admin/monitoring/users")).JsonAsync(HttpStatusCode.OK);
        users.GetProperty("total").GetInt32().Should().Be(2);
        users.GetProperty("active").GetInt32().Should().Be(1);
        users.GetProperty("active_today").GetInt32().Should().Be(2);
    }

    [Fact]
    public async Task System_figures_describe_this_process_and_the_overview_has_all_five_sections()
    {
        var admin = await _host.AdminClientAsync();
        var system = await (await admin.GetAsync("/admin/monitoring/system")).JsonAsync(HttpStatusCode.OK);
        system.Str("runtime").Should().Contain(".NET");
        system.GetProperty("processor_count").GetInt32().Should().Be(Environment.ProcessorCount);
        system.GetProperty("working_set_bytes").GetInt64().Should().BeGreaterThan(0);
        system.GetProperty("uptime_seconds").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        system.GetProperty("cpu_percent").GetDouble().Should().BeInRange(0, 100);

        var overview = await (await admin.GetAsync("/admin/monitoring/overview")).JsonAsync(HttpStatusCode.OK);
        foreach (var section in new[] { "network", "users", "messages", "files", "system", "unavailable" })
        {
            overview.TryGetProperty(section, out _).Should().BeTrue(section);
        }

        overview.GetProperty("users").GetProperty("total").GetInt32().Should().BeGreaterThanOrEqualTo(0);
        overview.GetProperty("messages").GetProperty("total").GetInt64().Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Health_lists_its_checks_and_the_database_answers()
    {
        var admin = await _host.AdminClientAsync();
        var health = await (await admin.GetAsync("/admin/system/health")).JsonAsync(HttpStatusCode.OK);
        health.Str("status").Should().BeOneOf("ok", "degraded");
        var checks = health.GetProperty("checks").EnumerateArray().ToDictionary(c => c.Str("name"), c => c.Str("status"));
        checks.Keys.Should().Contain(["database", "disk", "auth", "messaging", "files", "presence", "audit", "cluster"]);
        checks["database"].Should().Be("ok");
        checks.Keys.Should().Contain(["auth.store", "messaging.message_writer", "audit.audit_writer", "files.disk"], "the modules' own health checks are listed too");
        checks["auth"].Should().Be("ok");
        checks["messaging"].Should().Be("ok");
        (health.Str("status") == "ok").Should().Be(checks.Values.All(s => s == "ok"));
    }

    [Fact]
    public async Task Endpoint_metrics_count_requests_errors_and_latency_percentiles()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.AdminClientAsync();
        for (var i = 0; i < 5; i++)
        {
            (await admin.GetAsync("/admin/roles")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        (await host.Client(ModuleNames.Admin).GetAsync("/admin/roles")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await host.Client(ModuleNames.Auth).GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);

        var metrics = await (await admin.GetAsync("/admin/system/metrics")).JsonAsync(HttpStatusCode.OK);
        var endpoints = metrics.GetProperty("endpoints").EnumerateArray().ToList();
        var roles = endpoints.Single(e => e.Str("module") == "Admin" && e.Str("route") == "/admin/roles" && e.Str("method") == "GET");
        roles.GetProperty("count").GetInt64().Should().Be(6);
        roles.GetProperty("client_error_count").GetInt64().Should().Be(1);
        roles.GetProperty("error_count").GetInt64().Should().Be(0);
        var avg = roles.GetProperty("avg_ms").GetDouble();
        var p95 = roles.GetProperty("p95_ms").GetDouble();
        var p99 = roles.GetProperty("p99_ms").GetDouble();
        var max = roles.GetProperty("max_ms").GetDouble();
        avg.Should().BeGreaterThan(0);
        p95.Should().BeLessThanOrEqualTo(p99);
        p99.Should().BeLessThanOrEqualTo(max);
        avg.Should().BeLessThanOrEqualTo(max);
        endpoints.Should().Contain(e => e.Str("module") == "Auth" && e.Str("route") == "/health");
    }

    [Fact]
    public async Task Prometheus_scrapes_metrics_on_the_admin_port_only()
    {
        var admin = await _host.AdminClientAsync();
        (await admin.GetAsync("/admin/roles")).EnsureSuccessStatusCode();

        var scrape = await admin.GetAsync("/metrics");
        scrape.StatusCode.Should().Be(HttpStatusCode.OK);
        var text = await scrape.Content.ReadAsStringAsync();
        text.Should().Contain("ziyad_request_duration");
        text.Should().Contain("route=\"/admin/roles\"");
        text.Should().Contain("http_server_request_duration");

        (await _host.Client(ModuleNames.Auth).GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _host.Client(ModuleNames.Messaging).GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cluster_status_and_network_figures_show_this_node()
    {
        var admin = await _host.AdminClientAsync();
        var cluster = await (await admin.GetAsync("/admin/cluster/status")).JsonAsync(HttpStatusCode.OK);
        var nodeId = cluster.Str("node_id");
        nodeId.Should().NotBeNullOrWhiteSpace();
        cluster.GetProperty("nodes").EnumerateArray().Select(n => n.Str("id")).Should().Contain(nodeId);
        cluster.GetProperty("total").GetInt32().Should().BeGreaterThanOrEqualTo(1);

        // The same answer the Cluster module gives on its own port.
        var direct = await (await _host.Client(ModuleNames.Cluster).GetAsync("/status")).JsonAsync(HttpStatusCode.OK);
        direct.GetRawText().Should().Contain(nodeId);

        var network = await (await admin.GetAsync("/admin/monitoring/network")).JsonAsync(HttpStatusCode.OK);
        network.Str("node_id").Should().Be(nodeId);
        network.GetProperty("nodes").GetInt32().Should().Be(cluster.GetProperty("total").GetInt32());
        network.GetProperty("uptime_seconds").GetInt64().Should().BeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Monitoring_needs_an_acting_admin()
    {
        (await _host.Client(ModuleNames.Admin).GetAsync("/admin/monitoring/overview")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _host.Client(ModuleNames.Admin).GetAsync("/admin/system/metrics")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var super = await _host.AdminClientAsync();
        var (_, viewer) = await _host.CreateAdminAsync(super, "viewer");
        (await _host.Client(ModuleNames.Admin, viewer).GetAsync("/admin/system/health")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _host.Client(ModuleNames.Admin, viewer).GetAsync("/admin/cluster/status")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }
}
