using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>Search in the web client: results with the matched words marked, and a jump to a message not yet loaded.</summary>
[Trait("Category", "Browser")]
public sealed class WebClientSearchTests(WebClientFixture fixture) : IClassFixture<WebClientFixture>
{
    private static ILocator MessageWithText(IPage page, string text) => page.Locator(".timeline article.message").Filter(new() { HasText = text });

    [BrowserFact]
    public async Task Search_finds_an_old_message_marks_the_words_and_jumps_to_it()
    {
        var user = await fixture.Host.CreateUserAsync("sue" + Guid.NewGuid().ToString("N")[..6]);
        var peer = await fixture.Host.CreateUserAsync("tom" + Guid.NewGuid().ToString("N")[..6]);
        var word = "zebracorn" + Guid.NewGuid().ToString("N")[..6];
        using var api = fixture.Host.Client(ModuleNames.Messaging, peer.Token);
        var texts = new[] { $"The {word} budget is approved" }.Concat(Enumerable.Range(1, 80).Select(i => $"filler {i}"));
        foreach (var text in texts)
        {
            (await api.PostAsJsonAsync("/send", new { channel_id = user.Id, type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) })).EnsureSuccessStatusCode();
        }

        var page = await fixture.LoggedInPageAsync(user);
        await page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = peer.Username }).ClickAsync();
        await Assertions.Expect(MessageWithText(page, "filler 80")).ToBeVisibleAsync();
        await Assertions.Expect(MessageWithText(page, word)).ToHaveCountAsync(0);

        var box = page.GetByRole(AriaRole.Searchbox, new() { Name = "Search messages" });
        await box.FillAsync(word);
        await box.PressAsync("Enter");
        var result = page.Locator("aside.side-panel .result").Filter(new() { HasText = "budget" });
        await Assertions.Expect(result).ToHaveCountAsync(1);
        await Assertions.Expect(result.Locator("mark")).ToHaveTextAsync(word);
        await WebClientFixture.ScreenshotAsync(page, "search");
        await result.ClickAsync();
        var target = MessageWithText(page, $"The {word} budget is approved");
        await Assertions.Expect(target).ToBeInViewportAsync();
        await Assertions.Expect(target).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("flash"));
    }
}
