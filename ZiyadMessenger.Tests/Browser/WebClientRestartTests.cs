using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>The web client across a server restart: it reconnects by itself and catches up.</summary>
[Trait("Category", "Browser")]
public sealed class WebClientRestartTests(WebClientFixture fixture) : IClassFixture<WebClientFixture>
{
    [BrowserFact]
    public async Task After_a_server_restart_the_client_reconnects_and_shows_what_was_sent_meanwhile_once_and_in_order()
    {
        var user = await fixture.Host.CreateUserAsync("reader" + Guid.NewGuid().ToString("N")[..6]);
        var writer = await fixture.Host.CreateUserAsync("writer" + Guid.NewGuid().ToString("N")[..6]);
        var page = await fixture.LoggedInPageAsync(user);
        using (var before = fixture.Host.Client(ModuleNames.Messaging, writer.Token))
        {
            (await before.PostAsJsonAsync("/send", new { channel_id = "general", type = 1, content = B64("before the restart") })).EnsureSuccessStatusCode();
        }

        await Assertions.Expect(page.Locator(".timeline .text").Filter(new() { HasText = "before the restart" })).ToBeVisibleAsync();
        var catchUps = new List<string>();
        page.Request += (_, r) => { if (r.Url.Contains("/history?", StringComparison.Ordinal) && r.Url.Contains("after=", StringComparison.Ordinal)) catchUps.Add(r.Url); };

        // Keep the browser off the network across the restart, so that what is sent meanwhile can only
        // reach it by catching up, not live.
        await page.Context.SetOfflineAsync(true);
        await fixture.RestartHostAsync();
        await Assertions.Expect(page.Locator(".offline-banner")).ToBeVisibleAsync();
        // A message written while offline stays on screen with a retry.
        var unsent = "written while offline " + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("#composer-input").FillAsync(unsent);
        await page.Locator("#composer-input").PressAsync("Enter");
        var pending = page.Locator("article.pending").Filter(new() { HasText = unsent });
        await Assertions.Expect(pending.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        await WebClientFixture.ScreenshotAsync(page, "offline-banner");
        var writerToken = await fixture.Host.LoginAsync(writer.Username, writer.Password);
        using var api = fixture.Host.Client(ModuleNames.Messaging, writerToken);
        for (var i = 1; i <= 5; i++)
        {
            (await api.PostAsJsonAsync("/send", new { channel_id = "general", type = 1, content = B64($"while you were away {i}") })).EnsureSuccessStatusCode();
        }

        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(page.Locator(".live.on")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".offline-banner")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".timeline .text").Filter(new() { HasText = "while you were away 5" })).ToBeVisibleAsync();
        var texts = (await page.Locator(".timeline article.message .text").AllTextContentsAsync()).Where(t => t.StartsWith("while you were away", StringComparison.Ordinal)).ToList();
        texts.Should().Equal(Enumerable.Range(1, 5).Select(i => $"while you were away {i}"));
        catchUps.Should().NotBeEmpty("the client catches up with history?after=");

        // The unsent message goes once when retried.
        await pending.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Assertions.Expect(page.Locator("article.pending")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".timeline article.message .text").Filter(new() { HasText = unsent })).ToHaveCountAsync(1);
        var history = await api.GetStringAsync("/history?channel_id=general&limit=1000");
        history.Split(B64(unsent)).Length.Should().Be(2, "the retried message is stored exactly once");

        // And it is live again: a new message arrives without a reload.
        (await api.PostAsJsonAsync("/send", new { channel_id = "general", type = 1, content = B64("live again") })).EnsureSuccessStatusCode();
        await Assertions.Expect(page.Locator(".timeline .text").Filter(new() { HasText = "live again" })).ToHaveCountAsync(1);
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
