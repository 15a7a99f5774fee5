using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>The office web client (port 8081) in headless Chromium, two users in two browser contexts, against the real host.</summary>
[Trait("Category", "Browser")]
public sealed class WebClientTests(WebClientFixture fixture) : IClassFixture<WebClientFixture>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..6];

    private static ILocator Messages(IPage page) => page.Locator(".timeline article.message");

    private static ILocator MessageWithText(IPage page, string text) => Messages(page).Filter(new() { HasText = text });

    private static async Task SendAsync(IPage page, string text)
    {
        var box = page.Locator("#composer-input");
        await box.FillAsync(text);
        await box.PressAsync("Enter");
    }

    private static async Task OpenChannelAsync(IPage page, string name)
    {
        await page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = name }).First.ClickAsync();
        await Assertions.Expect(page.Locator(".channel-head h1")).ToContainTextAsync(name);
    }

    private async Task<JsonElement[]> HistoryAsync(TestUser user, string channel)
    {
        using var api = fixture.Host.Client(ModuleNames.Messaging, user.Token);
        return JsonSerializer.Deserialize<JsonElement[]>(await api.GetStringAsync($"/history?channel_id={Uri.EscapeDataString(channel)}&limit=1000"))!;
    }

    private async Task PostAsync(TestUser user, string channel, string text)
    {
        using var api = fixture.Host.Client(ModuleNames.Messaging, user.Token);
        var response = await api.PostAsJsonAsync("/send", new { channel_id = channel, type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)) });
        response.EnsureSuccessStatusCode();
    }

    [BrowserFact]
    public async Task Two_users_chat_live_both_ways_in_a_channel_and_a_DM_edit_and_delete_and_markup_stays_text()
    {
        var alice = await fixture.Host.CreateUserAsync(Unique("alice"), fullName: "Alice <b>Admin</b>");
        var bob = await fixture.Host.CreateUserAsync(Unique("bob"), fullName: "Bob <img src=x onerror=alert(1)>");
        var a = await fixture.LoggedInPageAsync(alice);
        var b = await fixture.LoggedInPageAsync(bob);
        await Assertions.Expect(a.Locator(".channel-head h1")).ToContainTextAsync("general");

        // Live, both ways, in #general.
        var hello = Unique("hello from alice ");
        await SendAsync(a, hello);
        await Assertions.Expect(MessageWithText(b, hello)).ToBeVisibleAsync();
        await Assertions.Expect(MessageWithText(b, hello).Locator(".sender")).ToHaveTextAsync("Alice <b>Admin</b>");
        var reply = Unique("hi alice, bob here ");
        await SendAsync(b, reply);
        await Assertions.Expect(MessageWithText(a, reply)).ToBeVisibleAsync();

        // Markup in a message is shown as text, never run or rendered.
        var markup = "<b>bold?</b> <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\">";
        await SendAsync(a, markup);
        var shown = MessageWithText(b, "<b>bold?</b>");
        await Assertions.Expect(shown.Locator(".text")).ToHaveTextAsync(markup);
        await Assertions.Expect(shown.Locator(".text b, .text img, .text script")).ToHaveCountAsync(0);
        await Assertions.Expect(b.Locator(".timeline img")).ToHaveCountAsync(0);
        (await b.EvaluateAsync<bool>("() => window.__pwned === undefined")).Should().BeTrue();
        await WebClientFixture.ScreenshotAsync(b, "channel");

        // Each message once, in order, on both sides.
        foreach (var page in new[] { a, b })
        {
            var texts = await Messages(page).Locator(".text").AllTextContentsAsync();
            texts.Count(t => t.Contains(hello, StringComparison.Ordinal)).Should().Be(1);
            texts.ToList().FindIndex(t => t.Contains(hello, StringComparison.Ordinal))
                .Should().BeLessThan(texts.ToList().FindIndex(t => t.Contains(reply, StringComparison.Ordinal)));
        }

        // Alice starts a DM with Bob from the directory; Bob sees it arrive with an unread count.
        await a.GetByRole(AriaRole.Button, new() { Name = "New direct message" }).ClickAsync();
        var dialog = a.Locator("dialog[open]");
        await dialog.GetByLabel("Find a person").FillAsync(bob.Username);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Bob" }).ClickAsync();
        await Assertions.Expect(a.Locator(".channel-head h1")).ToContainTextAsync("Bob <img");
        var secret = Unique("just between us ");
        await SendAsync(a, secret);
        var dmLink = b.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = "Alice" });
        await Assertions.Expect(dmLink.Locator(".badge.unread")).ToHaveTextAsync("1");
        await WebClientFixture.ScreenshotAsync(b, "dm-unread");
        await dmLink.ClickAsync();
        await Assertions.Expect(MessageWithText(b, secret)).ToBeVisibleAsync();
        await Assertions.Expect(dmLink.Locator(".badge")).ToHaveCountAsync(0);
        var answer = Unique("got it ");
        await SendAsync(b, answer);
        await Assertions.Expect(MessageWithText(a, answer)).ToBeVisibleAsync();

        // Alice edits her message; Bob sees the new text, marked as edited.
        var mine = MessageWithText(a, secret);
        await mine.HoverAsync();
        await mine.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        var edited = Unique("edited: between us ");
        var editor = a.GetByLabel("Edit message");
        await editor.FillAsync(edited);
        await editor.PressAsync("Enter");
        await Assertions.Expect(MessageWithText(b, edited)).ToContainTextAsync("(edited)");
        await Assertions.Expect(MessageWithText(b, secret)).ToHaveCountAsync(0);

        // Bob cannot edit or delete Alice's message.
        await MessageWithText(b, edited).HoverAsync();
        await Assertions.Expect(MessageWithText(b, edited).GetByRole(AriaRole.Button, new() { Name = "Edit" })).ToHaveCountAsync(0);
        await Assertions.Expect(MessageWithText(b, edited).GetByRole(AriaRole.Button, new() { Name = "Delete" })).ToHaveCountAsync(0);

        // Alice deletes it; both see the tombstone, and the server agrees.
        a.Dialog += async (_, d) => await d.AcceptAsync();
        var again = MessageWithText(a, edited);
        await again.HoverAsync();
        await again.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(MessageWithText(b, edited)).ToHaveCountAsync(0);
        await Assertions.Expect(b.Locator(".timeline .text.deleted")).ToHaveCountAsync(1);
        var dm = (await HistoryAsync(alice, bob.Id)).Single(m => m.GetProperty("sender_id").GetString() == alice.Id);
        dm.GetProperty("deleted").GetBoolean().Should().BeTrue();

        // Log out: back to the login page, and the token no longer works.
        var token = await a.EvaluateAsync<string>("() => JSON.parse(sessionStorage.getItem('ziyad.client.session')).token");
        await a.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Assertions.Expect(a.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
        using var api = fixture.Host.Client(ModuleNames.Auth, token);
        ((int)(await api.GetAsync("/me")).StatusCode).Should().Be(401);
    }

    [BrowserFact]
    public async Task A_wrong_password_shows_the_error()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("wrong"));
        var page = await (await fixture.NewContextAsync()).NewPageAsync();
        await page.GotoAsync(fixture.ClientUrl);
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("username or password");
        await WebClientFixture.ScreenshotAsync(page, "login-error");
    }

    [BrowserFact]
    public async Task Bad_input_gets_a_clear_message_and_nothing_is_sent()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("carol"));
        var peer = await fixture.Host.CreateUserAsync(Unique("dave"));
        await PostAsync(peer, user.Id, "start");
        var page = await fixture.LoggedInPageAsync(user);
        await OpenChannelAsync(page, peer.Username);
        var before = (await HistoryAsync(user, peer.Id)).Length;

        // An empty message.
        await page.Locator("#composer-input").FillAsync("   ");
        await page.Locator("#composer-input").PressAsync("Enter");
        await Assertions.Expect(page.Locator(".composer [role=alert]")).ToHaveTextAsync("Type a message first.");

        // 70 KiB of text, over the 64 KiB limit.
        await page.Locator("#composer-input").FillAsync(new string('x', 70 * 1024));
        await page.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator(".composer [role=alert]")).ToContainTextAsync("This message is 70.0 KiB; the limit is 64.0 KiB");
        await WebClientFixture.ScreenshotAsync(page, "too-long");

        // A 2 GiB file dropped on the conversation: its size is faked; no byte of it exists.
        await page.EvaluateAsync(@"() => {
            const file = new File(['tiny'], 'huge.iso', { type: 'application/octet-stream' });
            Object.defineProperty(file, 'size', { value: 2 * 1024 * 1024 * 1024 });
            const drop = new Event('drop', { bubbles: true, cancelable: true });
            Object.defineProperty(drop, 'dataTransfer', { value: { files: [file], types: ['Files'] } });
            document.querySelector('.timeline').dispatchEvent(drop);
        }");
        await Assertions.Expect(page.Locator(".toast.error")).ToContainTextAsync("\"huge.iso\" is 2.0 GiB; this server accepts files up to 1.0 GiB.");
        await Assertions.Expect(page.Locator(".upload")).ToHaveCountAsync(0);

        (await HistoryAsync(user, peer.Id)).Length.Should().Be(before, "nothing of the bad input may reach the server");
        fixture.Requests.Records.Should().NotContain(r => r.Module == ModuleNames.Files && r.Path == "/upload" && r.UserId == user.Id);
    }

    [BrowserFact]
    public async Task A_file_uploaded_with_progress_downloads_with_the_same_bytes_and_an_image_shows_a_preview()
    {
        var sender = await fixture.Host.CreateUserAsync(Unique("erin"));
        var receiver = await fixture.Host.CreateUserAsync(Unique("frank"));
        await PostAsync(sender, receiver.Id, "files coming");
        var a = await fixture.LoggedInPageAsync(sender);
        var b = await fixture.LoggedInPageAsync(receiver);
        await OpenChannelAsync(a, receiver.Username);
        await OpenChannelAsync(b, sender.Username);

        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var name = Unique("report-") + ".bin";
        await a.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = name, MimeType = "application/octet-stream", Buffer = bytes });
        var card = b.Locator(".file-card").Filter(new() { HasText = name });
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card).ToContainTextAsync("3.0 MiB");
        await Assertions.Expect(a.Locator(".upload")).ToHaveCountAsync(0);

        var download = await b.RunAndWaitForDownloadAsync(() => card.GetByRole(AriaRole.Button, new() { Name = $"Download {name}" }).ClickAsync());
        download.SuggestedFilename.Should().Be(name);
        var path = await download.PathAsync();
        (await File.ReadAllBytesAsync(path)).Should().Equal(bytes);

        // An image: a real PNG, shown inline after decryption through the server.
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAKklEQVR4nGP8z8DwnwEJMDIwMDAxkAhGNYwaNgwMGzWMGjYMDBs1jBoGAE8nAx/UfLrdAAAAAElFTkSuQmCC");
        await a.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "dot.png", MimeType = "image/png", Buffer = png });
        var preview = b.Locator("img.preview[alt='dot.png']");
        await Assertions.Expect(preview).ToBeVisibleAsync();
        (await preview.EvaluateAsync<int>("img => img.naturalWidth")).Should().Be(16);
        await WebClientFixture.ScreenshotAsync(b, "files");
    }

    [BrowserFact]
    public async Task The_upload_shows_a_progress_bar_while_it_runs()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("gina"));
        var peer = await fixture.Host.CreateUserAsync(Unique("hank"));
        await PostAsync(peer, user.Id, "send me the big one");
        var page = await fixture.LoggedInPageAsync(user);
        await OpenChannelAsync(page, peer.Username);
        // Slow the upload down at the network layer so the bar is seen for certain.
        await page.Context.RouteAsync("**/upload", async route =>
        {
            await Task.Delay(1500);
            await route.ContinueAsync();
        });
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "slow.bin", MimeType = "application/octet-stream", Buffer = RandomNumberGenerator.GetBytes(200_000) });
        await Assertions.Expect(page.Locator(".upload progress")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Uploading slow.bin" })).ToBeVisibleAsync();
        await WebClientFixture.ScreenshotAsync(page, "upload-progress");
        await Assertions.Expect(page.Locator(".file-card").Filter(new() { HasText = "slow.bin" })).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task History_loads_older_pages_as_one_scrolls_up()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("ivan"));
        var peer = await fixture.Host.CreateUserAsync(Unique("judy"));
        for (var i = 1; i <= 130; i++)
        {
            await PostAsync(peer, user.Id, $"numbered message {i:D3}");
        }

        var page = await fixture.LoggedInPageAsync(user);
        await OpenChannelAsync(page, peer.Username);
        await Assertions.Expect(MessageWithText(page, "numbered message 130")).ToBeVisibleAsync();
        (await Messages(page).CountAsync()).Should().Be(50);

        for (var round = 0; round < 10 && await MessageWithText(page, "numbered message 001").CountAsync() == 0; round++)
        {
            await page.Locator(".timeline").EvaluateAsync("el => el.scrollTop = 0");
            await page.WaitForTimeoutAsync(300);
        }

        await Assertions.Expect(MessageWithText(page, "numbered message 001")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator(".beginning")).ToBeVisibleAsync();
        var texts = await Messages(page).Locator(".text").AllTextContentsAsync();
        texts.Should().HaveCount(130);
        texts.Should().BeInAscendingOrder(StringComparer.Ordinal);
    }

    [BrowserFact]
    public async Task A_mention_or_a_DM_while_the_tab_is_hidden_raises_a_desktop_notification()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("kate"));
        var peer = await fixture.Host.CreateUserAsync(Unique("liam"));
        var context = await fixture.NewContextAsync(notifications: true);
        // Record what the real Notification API is asked to show, and let the test hide the tab.
        await context.AddInitScriptAsync(@"(() => {
            const Real = window.Notification;
            window.__notifications = [];
            window.Notification = class extends Real {
                constructor(title, options) { super(title, options); window.__notifications.push({ title, body: options?.body ?? '' }); }
            };
            window.__hide = () => {
                Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
                Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
                document.dispatchEvent(new Event('visibilitychange'));
            };
        })()");
        var page = await fixture.LoggedInPageAsync(user, context: context);
        (await page.EvaluateAsync<string>("() => Notification.permission")).Should().Be("granted");
        await page.EvaluateAsync("() => window.__hide()");

        await PostAsync(peer, "general", $"nothing for kate here {Guid.NewGuid():N}");
        var mention = $"@{user.Username} can you look at this?";
        await PostAsync(peer, "general", mention);
        await page.WaitForFunctionAsync("() => window.__notifications.length >= 1");
        var dm = "a private word";
        await PostAsync(peer, user.Id, dm);
        await page.WaitForFunctionAsync("() => window.__notifications.length >= 2");

        var shown = await page.EvaluateAsync<JsonElement>("() => window.__notifications");
        var list = shown.EnumerateArray().Select(n => (Title: n.GetProperty("title").GetString()!, Body: n.GetProperty("body").GetString()!)).ToList();
        list.Should().HaveCount(2, "a plain channel message raises none; the mention and the DM one each");
        list[0].Title.Should().Contain(peer.Username).And.Contain("#general");
        list[0].Body.Should().Be(mention);
        list[1].Title.Should().Contain(peer.Username);
        list[1].Body.Should().Be(dm);

        // The mention is counted on the channel for when the user comes back.
        await OpenChannelAsync(page, peer.Username);
        await Assertions.Expect(page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = "general" }).Locator(".badge.mention")).ToHaveTextAsync("@1");
        await WebClientFixture.ScreenshotAsync(page, "mention-badge");
    }

    [BrowserFact]
    public async Task At_phone_width_the_channels_fold_into_a_menu_and_nothing_scrolls_sideways()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("olga"));
        await PostAsync(user, "general", "hello from a phone");
        var page = await fixture.LoggedInPageAsync(user, 390, 844);
        await Assertions.Expect(page.Locator("#sidebar")).ToBeHiddenAsync();
        await Assertions.Expect(MessageWithText(page, "hello from a phone").Last).ToBeVisibleAsync();
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1")).Should().BeFalse();
        await WebClientFixture.ScreenshotAsync(page, "phone-channel");
        await page.GetByRole(AriaRole.Button, new() { Name = "Channels menu" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sidebar")).ToBeVisibleAsync();
        await WebClientFixture.ScreenshotAsync(page, "phone-menu");
        await page.Locator("#sidebar").GetByRole(AriaRole.Button, new() { Name = "general" }).ClickAsync();
        await Assertions.Expect(page.Locator("#sidebar")).ToBeHiddenAsync();
    }

    [BrowserFact]
    public async Task The_page_reaches_auth_files_and_presence_through_CORS_with_the_token_and_reuses_preflights()
    {
        var user = await fixture.Host.CreateUserAsync(Unique("pat"));
        var page = await fixture.LoggedInPageAsync(user);
        var auth = fixture.Host.Url(ModuleNames.Auth).ToString().TrimEnd('/');
        var presence = fixture.Host.Url(ModuleNames.Presence).ToString().TrimEnd('/');
        var admin = fixture.Host.Url(ModuleNames.Admin).ToString().TrimEnd('/');
        var marker = Guid.NewGuid().ToString("N");
        var seen = fixture.Requests.Records.Count;

        // Two calls to an address this page has not called before: one preflight, reused by the second call.
        var twice = await page.EvaluateAsync<int[]>(@"async ([auth, token, marker]) => {
            const headers = { Authorization: 'Bearer ' + token, 'X-Request-ID': marker };
            const first = await fetch(auth + '/me?probe=' + marker, { headers });
            const second = await fetch(auth + '/me?probe=' + marker, { headers });
            return [first.status, second.status];
        }", new object[] { auth, user.Token, marker });
        twice.Should().Equal(200, 200);
        var records = fixture.Requests.Records.Skip(seen).ToList();
        records.Count(r => r.Method == "GET" && r.Module == ModuleNames.Auth && r.Path == "/me" && r.RequestId == marker).Should().Be(2);
        records.Count(r => r.Method == "OPTIONS" && r.Module == ModuleNames.Auth && r.Path == "/me").Should().Be(1, "the preflight answer is cached (Access-Control-Max-Age)");

        var result = await page.EvaluateAsync<JsonElement>(@"async ([presence, auth, admin, token, userId]) => {
            const call = (url, init) => fetch(url, init).then(r => r.status, e => 'blocked');
            return {
                presence: await call(presence + '/status?user_id=' + userId, { headers: { Authorization: 'Bearer ' + token } }),
                withCookies: await call(auth + '/me?cookies=1', { headers: { Authorization: 'Bearer ' + token }, credentials: 'include' }),
                adminPort: await call(admin + '/admin/me', { headers: { Authorization: 'Bearer ' + token } }),
            };
        }", new object[] { presence, auth, admin, user.Token, user.Id });
        result.GetProperty("presence").GetInt32().Should().Be(200);
        result.GetProperty("withCookies").GetString().Should().Be("blocked", "ambient credentials are never allowed across origins");
        result.GetProperty("adminPort").GetString().Should().Be("blocked", "the admin port answers no CORS request");
    }
}
