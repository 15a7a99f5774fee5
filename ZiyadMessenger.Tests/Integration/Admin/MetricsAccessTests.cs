using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Operations;

namespace ZiyadMessenger.Tests.Integration.Admin;

/// <summary>
/// <c>GET /metrics</c> is not for anyone on the LAN: an admin token whose role holds <c>system.read</c>, the
/// configured scrape token or a configured address gets in; everyone else gets 401, an admin whose role
/// lacks <c>system.read</c> 403.
/// </summary>
public sealed class MetricsAccessTests
{
    private const string ScrapeToken = "prometheus-scrape-token-0123456789abcdef";

    [Fact]
    public async Task Without_settings_only_an_admin_token_scrapes()
    {
        await using var host = await TestHost.StartAsync();

        var anonymous = await host.Client(ModuleNames.Admin).GetAsync("/metrics");
        await anonymous.ProblemAsync(HttpStatusCode.Unauthorized);

        var user = await host.CreateUserAsync();
        await (await host.Client(ModuleNames.Admin, user.Token).GetAsync("/metrics")).ProblemAsync(HttpStatusCode.Unauthorized);

        // No scrape token is configured, so no bearer string opens it.
        await (await Scrape(host, ScrapeToken)).ProblemAsync(HttpStatusCode.Unauthorized);

        var admin = await host.AdminClientAsync();
        var scrape = await admin.GetAsync("/metrics");
        scrape.StatusCode.Should().Be(HttpStatusCode.OK);
        (await scrape.Content.ReadAsStringAsync()).Should().Contain("ziyad_requests");

        var (_, viewerToken) = await host.CreateAdminAsync(admin, "viewer");
        await (await host.Client(ModuleNames.Admin, viewerToken).GetAsync("/metrics")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_scrapes_when_its_role_holds_system_read_custom_roles_included()
    {
        await using var host = await TestHost.StartAsync();
        var super = await host.AdminClientAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var lacking = "no-system-" + suffix;
        var holding = "system-" + suffix;
        (await super.PostAsJsonAsync("/admin/roles", new { name = lacking, permissions = new[] { "users.read", "monitoring.read", "audit.read" } }))
            .StatusCode.Should().Be(HttpStatusCode.Created);
        (await super.PostAsJsonAsync("/admin/roles", new { name = holding, permissions = new[] { "system.read" } }))
            .StatusCode.Should().Be(HttpStatusCode.Created);

        var (_, lackingToken) = await host.CreateAdminAsync(super, lacking);
        var denied = await host.Client(ModuleNames.Admin, lackingToken).GetAsync("/metrics");
        await denied.ProblemAsync(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync()).Should().Contain("\"permission\":\"system.read\"");

        var (_, holdingToken) = await host.CreateAdminAsync(super, holding);
        var scrape = await host.Client(ModuleNames.Admin, holdingToken).GetAsync("/metrics");
        scrape.StatusCode.Should().Be(HttpStatusCode.OK);
        (await scrape.Content.ReadAsStringAsync()).Should().Contain("ziyad_requests");

        // The built-in admin role holds system.read.
        var (_, plainToken) = await host.CreateAdminAsync(super, "admin");
        (await host.Client(ModuleNames.Admin, plainToken).GetAsync("/metrics")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_configured_scrape_token_scrapes_and_a_wrong_one_is_refused()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Metrics:ScrapeToken"] = ScrapeToken });

        var scrape = await Scrape(host, ScrapeToken);
        scrape.StatusCode.Should().Be(HttpStatusCode.OK);
        (await scrape.Content.ReadAsStringAsync()).Should().Contain("# TYPE");

        await (await Scrape(host, ScrapeToken + "x")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await Scrape(host, ScrapeToken[..^1])).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await host.Client(ModuleNames.Admin).GetAsync("/metrics")).ProblemAsync(HttpStatusCode.Unauthorized);

        // The scrape token opens /metrics and nothing else.
        await (await Scrape(host, ScrapeToken, "/admin/system/metrics")).ProblemAsync(HttpStatusCode.Unauthorized);
        (await Scrape(host, ScrapeToken, port: ModuleNames.Auth)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_configured_address_scrapes_without_a_token_and_another_does_not()
    {
        await using (var allowed = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Metrics:AllowedAddresses:0"] = "127.0.0.0/8" }))
        {
            var scrape = await allowed.Client(ModuleNames.Admin).GetAsync("/metrics");
            scrape.StatusCode.Should().Be(HttpStatusCode.OK);
            (await scrape.Content.ReadAsStringAsync()).Should().Contain("# TYPE");
        }

        await using var elsewhere = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Metrics:AllowedAddresses:0"] = "10.1.2.3",
            ["ZiyadMessenger:Metrics:AllowedAddresses:1"] = "192.168.0.0/16",
        });
        await (await elsewhere.Client(ModuleNames.Admin).GetAsync("/metrics")).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("ZiyadMessenger__Metrics__ScrapeToken", "short", "ZiyadMessenger:Metrics:ScrapeToken: must be at least 32 characters")]
    [InlineData("ZiyadMessenger__Metrics__AllowedAddresses__0", "10.0.0.0/99", "ZiyadMessenger:Metrics:AllowedAddresses:0: '10.0.0.0/99' is neither")]
    public async Task A_bad_metrics_setting_stops_the_start_with_one_line_naming_it(string variable, string value, string expected)
    {
        var (code, lines) = await ConfigurationErrorTests.RunUntilExitAsync(environment: new() { [variable] = value });

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should().Contain(expected);
    }

    private static async Task<HttpResponseMessage> Scrape(TestHost host, string token, string path = "/metrics", string port = ModuleNames.Admin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, host.Url(port, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await host.Client(port).SendAsync(request);
    }
}
