using System.Net.Http.Json;
using System.Text;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>Threads, reactions, mentions, search and pins (CONTRACT §8) in the web client, two users in two browser contexts.</summary>
[Trait("Category", "Browser")]
public sealed class WebClientTeamChatTests(WebClientFixture fixture) : IClassFixture<WebClientFixture>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];

    private static ILocator MessageWithText(IPage page, string text) => page.Locator(".timeline article.message").Filter(new() { HasText = text });

    private async Task PostAsync(TestUser user, string channel, string text)
    {
        using var api = fixture.Host.Client(ModuleNames.Messaging, user.Token);
        (await api.PostAsJsonAsync("/send", new { channel_id = channel, type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) })).EnsureSuccessStatusCode();
    }

    [BrowserFact]
    public async Task A_thread_reply_a_reaction_and_a_mention_picked_from_the_list_reach_the_other_user_live()
    {
        var alice = await fixture.Host.CreateUserAsync(Unique("ava"));
        var bob = await fixture.Host.CreateUserAsync(Unique("ben"));
        var a = await fixture.LoggedInPageAsync(alice);
        var b = await fixture.LoggedInPageAsync(bob);

        var root = Unique("Who owns the release notes? ");
        await a.Locator("#composer-input").FillAsync(root);
        await a.Locator("#composer-input").PressAsync("Enter");

        // Bob replies in a thread, in the side panel.
        var message = MessageWithText(b, root);
        await message.HoverAsync();
        await message.GetByRole(AriaRole.Button, new() { Name = "Reply in thread" }).ClickAsync();
        var panel = b.Locator("aside.side-panel");
        await Assertions.Expect(panel.GetByRole(AriaRole.Heading, new() { Name = "Thread" })).ToBeVisibleAsync();
        var reply = Unique("I do, by Friday ");
        await b.Locator("#thread-input").FillAsync(reply);
        await b.Locator("#thread-input").PressAsync("Enter");
        await Assertions.Expect(panel.Locator(".replies article").Filter(new() { HasText = reply })).ToBeVisibleAsync();
        // A reply lives in the thread, not in the channel's timeline.
        await Assertions.Expect(MessageWithText(b, reply)).ToHaveCountAsync(0);

        // Alice sees the reply count on her message and opens the thread.
        var replies = MessageWithText(a, root).GetByRole(AriaRole.Button, new() { Name = "1 reply" });
        await Assertions.Expect(replies).ToBeVisibleAsync();
        await replies.ClickAsync();
        await Assertions.Expect(a.Locator("aside.side-panel .replies article").Filter(new() { HasText = reply })).ToBeVisibleAsync();
        await WebClientFixture.ScreenshotAsync(a, "thread");

        // Bob reacts; Alice sees it live and adds hers to the same reaction.
        await message.HoverAsync();
        await message.GetByRole(AriaRole.Button, new() { Name = "Add reaction" }).ClickAsync();
        await message.GetByRole(AriaRole.Button, new() { Name = "React with 👍" }).ClickAsync();
        var chip = MessageWithText(a, root).Locator(".reactions button.reaction").First;
        await Assertions.Expect(chip).ToHaveAttributeAsync("aria-label", "👍 1");
        await chip.ClickAsync();
        await Assertions.Expect(MessageWithText(b, root).Locator(".reactions button.reaction").First).ToHaveAttributeAsync("aria-label", "👍 2");
        await Assertions.Expect(chip).ToHaveAttributeAsync("aria-pressed", "true");

        // Alice mentions Bob, picking his name from the list with the keyboard.
        await a.Locator("aside.side-panel").GetByRole(AriaRole.Button, new() { Name = "Close panel" }).ClickAsync();
        var box = a.Locator("#composer-input");
        await box.FillAsync("");
        await box.PressSequentiallyAsync("thanks @" + bob.Username[..4]);
        var option = a.GetByRole(AriaRole.Option).Filter(new() { HasText = "@" + bob.Username });
        await Assertions.Expect(option).ToBeVisibleAsync();
        await WebClientFixture.ScreenshotAsync(a, "mention-autocomplete");
        await box.PressAsync("Enter");
        await Assertions.Expect(box).ToHaveValueAsync($"thanks @{bob.Username} ");
        await box.PressSequentiallyAsync("for the notes");
        await box.PressAsync("Enter");
        var mention = MessageWithText(b, $"thanks @{bob.Username} for the notes");
        await Assertions.Expect(mention.Locator(".mention.me")).ToHaveTextAsync("@" + bob.Username);
        await Assertions.Expect(mention).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mentions-me"));
        await WebClientFixture.ScreenshotAsync(b, "reactions-and-mention");
    }

    [BrowserFact]
    public async Task A_message_pinned_in_the_page_and_one_pinned_elsewhere_are_listed_and_a_click_jumps_to_an_old_one()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("cleo"));
        var peer = await fixture.Host.CreateUserAsync(Unique("dirk"));
        var word = "zebracorn" + Guid.NewGuid().ToString("N")[..6];
        await PostAsync(peer, user.Id, $"The {word} budget is approved");
        for (var i = 1; i <= 80; i++)
        {
            await PostAsync(peer, user.Id, $"filler {i}");
        }

        // The peer pins the old message through the API (it is not on the user's first page).
        using var api = fixture.Host.Client(ModuleNames.Messaging, peer.Token);
        var history = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync($"/history?channel_id={user.Id}&limit=1")).RootElement;
        var first = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync($"/history?channel_id={user.Id}&after=0&limit=1")).RootElement[0];
        history.GetArrayLength().Should().Be(1);
        (await api.PutAsync($"/messages/{first.GetProperty("id").GetString()}/pin", null)).EnsureSuccessStatusCode();

        var page = await fixture.LoggedInPageAsync(user);
        await page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = peer.Username }).ClickAsync();
        await Assertions.Expect(MessageWithText(page, "filler 80")).ToBeVisibleAsync();
        await Assertions.Expect(MessageWithText(page, word)).ToHaveCountAsync(0);

        // The user pins a message on screen; the peer's pin arrives too.
        var recent = MessageWithText(page, "filler 79");
        await recent.HoverAsync();
        await recent.GetByRole(AriaRole.Button, new() { Name = "Pin", Exact = true }).ClickAsync();
        await Assertions.Expect(recent.Locator(".pin-mark")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Pins", Exact = true }).ClickAsync();
        var pins = page.Locator("aside.side-panel .result");
        await Assertions.Expect(pins).ToHaveCountAsync(2);
        await WebClientFixture.ScreenshotAsync(page, "pins");
        await pins.Filter(new() { HasText = word }).ClickAsync();
        var target = MessageWithText(page, $"The {word} budget is approved");
        await Assertions.Expect(target).ToBeInViewportAsync();
        await Assertions.Expect(target).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("flash"));

        var listed = await api.GetStringAsync($"/pins?channel_id={Uri.EscapeDataString(user.Id)}");
        listed.Should().Contain(user.Id, "pinned_by names the user who pinned from the page");
    }
}
