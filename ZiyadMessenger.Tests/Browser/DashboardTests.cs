using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>The admin dashboard in headless Chromium against the real host.</summary>
[Trait("Category", "Browser")]
public sealed class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private static ILocator Row(IPage page, string text) => page.Locator("tbody tr").Filter(new() { HasText = text });

    [BrowserFact]
    public async Task A_wrong_login_shows_the_error_and_no_session_starts()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.DashboardUrl);
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync("certainly-not-it");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong username or password.");
        await Assertions.Expect(page.Locator("#app-view")).ToBeHiddenAsync();
        await DashboardFixture.ScreenshotAsync(page, "login-error");

        // An empty form is stopped in the browser: nothing is sent.
        await page.GetByLabel("Password").FillAsync("");
        var requests = 0;
        page.Request += (_, r) => { if (r.Url.Contains("/admin/login")) requests++; };
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        (await page.GetByLabel("Password").EvaluateAsync<bool>("e => e.validity.valueMissing")).Should().BeTrue();
        requests.Should().Be(0);
    }

    [BrowserFact]
    public async Task An_admin_logs_in_creates_a_user_and_a_private_channel_with_that_member_and_the_audit_page_shows_it()
    {
        var page = await fixture.LoggedInPageAsync();
        await Assertions.Expect(page.Locator("#whoami")).ToContainTextAsync("admin");
        await DashboardFixture.ScreenshotAsync(page, "overview");

        // Create a user; the form refuses a bad username before sending.
        var username = NewName("dana");
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New user" }).ClickAsync();
        var dialog = page.Locator("dialog[open]");
        await dialog.GetByLabel("Username").FillAsync("no spaces allowed");
        await dialog.GetByLabel("Full name").FillAsync("Dana Example");
        await dialog.GetByLabel("Password").FillAsync("Dana-password-1");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        (await dialog.GetByLabel("Username").EvaluateAsync<bool>("e => e.validity.patternMismatch")).Should().BeTrue();
        await dialog.GetByLabel("Username").FillAsync(username);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(Row(page, username)).ToBeVisibleAsync();
        await Assertions.Expect(Row(page, username)).ToContainTextAsync("Dana Example");
        await DashboardFixture.ScreenshotAsync(page, "users");

        // A duplicate is refused by the API and the message is shown in the form.
        await page.GetByRole(AriaRole.Button, new() { Name = "New user" }).ClickAsync();
        await dialog.GetByLabel("Username").FillAsync(username.ToUpperInvariant());
        await dialog.GetByLabel("Password").FillAsync("Dana-password-1");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(dialog.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        (await dialog.GetByRole(AriaRole.Alert).TextContentAsync()).Should().NotBeNullOrWhiteSpace();
        await Assertions.Expect(dialog.Locator("#e-username")).ToBeVisibleAsync();
        await DashboardFixture.ScreenshotAsync(page, "users-duplicate-error");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        // A private channel, with that user added.
        var channel = NewName("project-");
        await page.GetByRole(AriaRole.Link, new() { Name = "Channels" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New channel" }).ClickAsync();
        await dialog.GetByLabel("Name").FillAsync(channel);
        await dialog.GetByLabel("Type").SelectOptionAsync("private");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create channel" }).ClickAsync();
        await Assertions.Expect(Row(page, channel)).ToContainTextAsync("private");
        var members = page.Locator("#members-panel");
        await Assertions.Expect(members).ToContainTextAsync($"Members of {channel}");
        await members.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await dialog.GetByLabel("Username").FillAsync(username);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Assertions.Expect(members.Locator("tbody tr").Filter(new() { HasText = username })).ToBeVisibleAsync();
        await DashboardFixture.ScreenshotAsync(page, "channels");

        // The server agrees: the user is a member of the private channel.
        var admin = fixture.Host.Client(ModuleNames.Admin, await fixture.Host.AdminTokenAsync());
        var channels = JsonDocument.Parse(await admin.GetStringAsync("/admin/channels")).RootElement.GetProperty("channels");
        var channelId = channels.EnumerateArray().Single(c => c.GetProperty("name").GetString() == channel).GetProperty("id").GetString()!;
        var memberList = await admin.GetStringAsync($"/admin/channels/{channelId}/members");
        memberList.Should().Contain(username);

        // The audit page shows what was done, by whom.
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        var audit = page.Locator("main");
        await Assertions.Expect(Row(page, "admin.channel.member_add").First).ToBeVisibleAsync();
        await Assertions.Expect(audit).ToContainTextAsync("admin.user.create");
        await Assertions.Expect(audit).ToContainTextAsync("admin.channel.create");
        await Assertions.Expect(Row(page, "admin.channel.create").First).ToContainTextAsync("admin:admin");
        await DashboardFixture.ScreenshotAsync(page, "audit");

        // Filtering narrows the list.
        await page.GetByLabel("Action").FillAsync("admin.channel.create");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = "admin.user.create" })).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, "admin.channel.create").First).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task A_message_sent_over_a_websocket_appears_in_the_live_overview_without_reload()
    {
        var page = await fixture.LoggedInPageAsync();
        await Assertions.Expect(page.Locator("#live-indicator")).ToContainTextAsync("live");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        var before = await CardNumberAsync(page, "#card-messages");

        var user = await fixture.Host.CreateUserAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(fixture.Host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={user.Token}"), CancellationToken.None);
        var frame = JsonSerializer.Serialize(new { channel_id = "general", type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes("hello office")), nonce = "", signature = "" });
        await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

        await Assertions.Expect(page.Locator("#live-feed")).ToContainTextAsync($"in #general from {user.Username}");
        await Assertions.Expect(page.Locator("#card-messages .value")).Not.ToHaveTextAsync(before.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        (await CardNumberAsync(page, "#card-messages")).Should().BeGreaterThan(before);
        (await page.EvaluateAsync<bool>("() => window.__sameDocument === true")).Should().BeTrue("the page must update without a reload");
        await DashboardFixture.ScreenshotAsync(page, "overview-live");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [BrowserFact]
    public async Task Reset_password_shows_the_temporary_password_once_and_it_logs_in_over_the_auth_api()
    {
        var user = await fixture.Host.CreateUserAsync(username: NewName("reset"));
        var page = await fixture.LoggedInPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.GetByLabel("Search users").FillAsync(user.Username);
        await Assertions.Expect(page.Locator("tbody tr")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Reset password of {user.Username}" }).ClickAsync();
        await page.Locator("dialog[open]").GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();

        var secret = page.Locator("#secret-value");
        await Assertions.Expect(secret).ToBeVisibleAsync();
        var temporary = (await secret.TextContentAsync())!.Trim();
        temporary.Should().MatchRegex("^[A-Za-z0-9]{12,}$");
        await DashboardFixture.ScreenshotAsync(page, "users-reset-password");
        await page.Locator("dialog[open]").GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Assertions.Expect(page.Locator("#secret-value")).ToHaveCountAsync(0);

        var login = await fixture.Host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = temporary });
        login.IsSuccessStatusCode.Should().BeTrue(await login.Content.ReadAsStringAsync());
        var old = await fixture.Host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
        old.IsSuccessStatusCode.Should().BeFalse();
    }

    [BrowserFact]
    public async Task An_ended_session_returns_to_the_login_page()
    {
        var page = await fixture.LoggedInPageAsync();
        var token = await page.EvaluateAsync<string>("() => sessionStorage.getItem('ziyad.admin.token')");
        // Logging out elsewhere (here: straight at the API) ends every session of this admin, the page's too.
        using var api = fixture.Host.Client(ModuleNames.Admin, token);
        (await api.PostAsync("/admin/logout", null)).IsSuccessStatusCode.Should().BeTrue();

        // The live socket may carry the news first (close code 4401) and take the page to the login view
        // before the click; either way the page must end up there.
        var users = page.GetByRole(AriaRole.Link, new() { Name = "Users" });
        try
        {
            await users.ClickAsync(new() { Timeout = 3000 });
        }
        catch (TimeoutException)
        {
        }

        await Assertions.Expect(page.Locator("#login-view")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#login-notice")).ToContainTextAsync("session has ended");
    }

    [BrowserFact]
    public async Task Every_page_renders_at_laptop_and_phone_widths()
    {
        var page = await fixture.LoggedInPageAsync();
        string[] pages = ["overview", "users", "channels", "roles", "departments", "devices", "admins", "audit", "system", "cluster"];
        foreach (var name in pages)
        {
            await page.GotoAsync($"{fixture.DashboardUrl}#/{name}");
            await Assertions.Expect(page.Locator($"main[data-page={name}] h1")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("main .alert")).ToHaveCountAsync(0);
            await DashboardFixture.ScreenshotAsync(page, $"page-{name}");
        }

        // The last page, the cluster, shows this node as healthy.
        await Assertions.Expect(page.Locator("main tbody")).ToContainTextAsync("healthy");


        var phone = await fixture.LoggedInPageAsync(390, 844);
        await Assertions.Expect(phone.Locator("#nav")).ToBeHiddenAsync();
        await phone.GetByRole(AriaRole.Button, new() { Name = "Menu" }).ClickAsync();
        await phone.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Assertions.Expect(phone.Locator("main[data-page=users] h1")).ToBeVisibleAsync();
        var overflow = await phone.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        overflow.Should().BeFalse("the page itself must not scroll sideways on a phone (tables scroll inside their frame)");
        await DashboardFixture.ScreenshotAsync(phone, "phone-users");
    }

    private static async Task<long> CardNumberAsync(IPage page, string card)
    {
        var text = await page.Locator($"{card} .value").TextContentAsync() ?? "0";
        var digits = new string(text.Where(char.IsDigit).ToArray());
        return digits.Length == 0 ? 0 : long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
    }
}
