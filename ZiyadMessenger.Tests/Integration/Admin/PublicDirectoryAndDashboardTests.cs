using System.Net;
using System.Net.Http.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class PublicDirectoryAndDashboardTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task The_directory_lists_active_users_and_public_channels_to_any_signed_in_account()
    {
        var admin = await _host.AdminClientAsync();
        var active = await _host.CreateUserAsync(fullName: "Ada Active");
        var inactive = await _host.CreateUserAsync();
        (await admin.PutAsJsonAsync($"/admin/users/{inactive.Id}", new { is_active = false })).EnsureSuccessStatusCode();
        var privateName = "hidden-" + Guid.NewGuid().ToString("N")[..6];
        (await admin.PostAsJsonAsync("/admin/channels", new { name = privateName, type = "private" })).EnsureSuccessStatusCode();

        var asUser = _host.Client(ModuleNames.Admin, active.Token);
        var users = await (await asUser.GetAsync("/public/users")).JsonAsync(HttpStatusCode.OK);
        var listed = users.GetProperty("users").EnumerateArray().ToList();
        listed.Select(u => u.Str("id")).Should().Contain(active.Id).And.NotContain(inactive.Id);
        var ada = listed.Single(u => u.Str("id") == active.Id);
        ada.Str("full_name").Should().Be("Ada Active");
        ada.Str("username").Should().Be(active.Username);
        users.GetRawText().Should().NotContain("password");

        var channels = await (await asUser.GetAsync("/public/channels")).JsonAsync(HttpStatusCode.OK);
        var names = channels.GetProperty("channels").EnumerateArray().Select(c => c.Str("name")).ToList();
        names.Should().Contain("general").And.NotContain(privateName);

        (await admin.GetAsync("/public/users")).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await _host.Client(ModuleNames.Admin).GetAsync("/public/users")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await _host.Client(ModuleNames.Admin).GetAsync("/public/channels")).ProblemAsync(HttpStatusCode.Unauthorized);
        (await _host.Client(ModuleNames.Auth, active.Token).GetAsync("/public/users")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_dashboard_is_served_from_the_binary_on_the_admin_port_only()
    {
        var page = await _host.Client(ModuleNames.Admin).GetAsync("/");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("/assets/app.js").And.Contain("/assets/vendor/chart.umd.min.js");
        html.Should().NotContain("http://").And.NotContain("https://", "everything is served by this host, offline");
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        csp.Should().Contain("default-src 'self'").And.Contain("frame-ancestors 'none'");
        page.Headers.ETag.Should().NotBeNull();

        foreach (var asset in new[] { "/assets/app.js", "/assets/app.css", "/assets/vendor/chart.umd.min.js", "/assets/vendor/chart.js.LICENSE.md", "/assets/favicon.svg" })
        {
            var response = await _host.Client(ModuleNames.Admin).GetAsync(asset);
            response.StatusCode.Should().Be(HttpStatusCode.OK, asset);
            (await response.Content.ReadAsByteArrayAsync()).Length.Should().BeGreaterThan(100, asset);
        }

        using var conditional = new HttpRequestMessage(HttpMethod.Get, "/assets/app.js");
        conditional.Headers.IfNoneMatch.Add(page.Headers.ETag!);
        (await _host.Client(ModuleNames.Admin).SendAsync(conditional)).StatusCode.Should().Be(HttpStatusCode.NotModified);

        (await _host.Client(ModuleNames.Admin).GetAsync("/assets/nope.js")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _host.Client(ModuleNames.Admin).GetAsync("/assets/../AdminModule.cs")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _host.Client(ModuleNames.Auth).GetAsync("/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _host.Client(ModuleNames.Files).GetAsync("/assets/app.js")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        // The Messaging port serves the web client's own app.js, not the dashboard's.
        var dashboardScript = await _host.Client(ModuleNames.Admin).GetStringAsync("/assets/app.js");
        (await _host.Client(ModuleNames.Messaging).GetStringAsync("/assets/app.js")).Should().NotBe(dashboardScript);
        // What the dashboard shares with the web client is served by both, the same bytes.
        foreach (var shared in new[] { "/assets/shared/base.css", "/assets/shared/api.js", "/assets/shared/socket.js", "/assets/shared/format.js" })
        {
            (await _host.Client(ModuleNames.Admin).GetStringAsync(shared)).Should().Be(await _host.Client(ModuleNames.Messaging).GetStringAsync(shared), shared);
        }
    }
}
