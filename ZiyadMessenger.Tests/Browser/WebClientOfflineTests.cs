using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using ZiyadMessenger.Tests.Integration.Admin;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>
/// The web client on an office LAN with no internet: every request the page makes goes to this server,
/// and a channel whose name holds markup is shown as text.
/// </summary>
[Trait("Category", "Browser")]
public sealed class WebClientOfflineTests(WebClientFixture fixture) : IClassFixture<WebClientFixture>
{
    private const string Markup = "<img src=x onerror=\"window.__injected=1\">";

    [BrowserFact]
    public async Task The_client_loads_nothing_from_elsewhere_and_a_channel_name_with_markup_stays_text()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var channelName = $"ops {Markup} {suffix}";
        var admin = await fixture.Host.AdminClientAsync();
        var created = await admin.PostAsJsonAsync("/admin/channels", new { name = channelName, type = "public" });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var user = await fixture.Host.CreateUserAsync("offline" + suffix);

        var context = await fixture.NewContextAsync();
        var outside = new List<string>();
        var loaded = new List<string>();
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.IsLoopback)
            {
                loaded.Add(url.AbsolutePath);
                await route.ContinueAsync();
            }
            else
            {
                outside.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });

        var page = await fixture.LoggedInPageAsync(user, context: context);
        var channel = page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = channelName });
        await Assertions.Expect(channel).ToBeVisibleAsync();
        await channel.ClickAsync();
        await Assertions.Expect(page.Locator(".channel-head h1")).ToContainTextAsync(Markup);

        (await page.EvaluateAsync<bool>("() => window.__injected === 1")).Should().BeFalse("a channel name is text, never markup");
        (await page.Locator("#sidebar img[src=x], .channel-head img[src=x]").CountAsync()).Should().Be(0);
        loaded.Should().Contain("/").And.Contain(p => p.EndsWith(".js", StringComparison.Ordinal), "the app's scripts come from this server");
        outside.Should().BeEmpty("the client must work on a LAN without internet: no CDN, no web fonts, no telemetry");
    }
}
