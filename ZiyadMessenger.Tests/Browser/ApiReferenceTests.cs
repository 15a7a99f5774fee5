using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Browser;

/// <summary><c>GET /docs</c> in headless Chromium with every request off this machine refused, as on an offline LAN.</summary>
[Trait("Category", "Browser")]
public sealed class ApiReferenceTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    [BrowserFact]
    public async Task The_reference_of_each_port_renders_with_nothing_loaded_from_elsewhere()
    {
        var page = await fixture.NewPageAsync();
        var outside = new List<string>();
        var loaded = new List<string>();
        await page.Context.RouteAsync("**/*", async route =>
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

        await page.GotoAsync(fixture.Host.Url(ModuleNames.Auth, "/docs").ToString());
        await Assertions.Expect(page.GetByText("Log in and get a user token").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Create a user account").First).ToBeVisibleAsync();
        await DashboardFixture.ScreenshotAsync(page, "api-reference-auth");

        await page.GotoAsync(fixture.Host.Url(ModuleNames.Files, "/docs").ToString());
        await Assertions.Expect(page.GetByText("Upload a file, encrypted at rest under a fresh key").First).ToBeVisibleAsync();
        // Each port's reference shows its own module only.
        await Assertions.Expect(page.GetByText("Log in and get a user token")).ToHaveCountAsync(0);

        loaded.Should().Contain("/openapi.json").And.Contain("/docs/scalar.js");
        outside.Should().BeEmpty("the reference must work without internet access: no CDN, no web fonts, no telemetry");
    }
}
