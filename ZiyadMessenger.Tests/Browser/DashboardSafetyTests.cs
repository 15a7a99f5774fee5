using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Admin;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>
/// The dashboard for an admin whose role holds few permissions, names typed by anyone shown as text,
/// and the overview as the README shows it.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DashboardSafetyTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private const string Markup = "<img src=x onerror=\"window.__injected=1\">";

    private static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [BrowserFact]
    public async Task A_limited_admin_sees_only_the_pages_and_actions_its_role_allows()
    {
        var super = await fixture.Host.AdminClientAsync();
        var role = NewName("helpdesk");
        (await super.PostAsJsonAsync("/admin/roles", new { name = role, permissions = new[] { "users.read", "channels.read", "channels.write" } }))
            .StatusCode.Should().Be(HttpStatusCode.Created);
        var username = NewName("desk");
        (await super.PostAsJsonAsync("/admin/admins", new { username, password = "Helpdesk-pw-1", role })).StatusCode.Should().Be(HttpStatusCode.Created);
        var someone = await fixture.Host.CreateUserAsync(username: NewName("sam"));

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.DashboardUrl);
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync("Helpdesk-pw-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        // No monitoring.read: the first page it may see instead of the overview, and no live feed.
        await Assertions.Expect(page.Locator("#main[data-page=users]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("tbody tr").Filter(new() { HasText = someone.Username })).ToBeVisibleAsync();
        var nav = page.Locator("#nav");
        foreach (var shown in new[] { "Users", "Channels" })
        {
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = shown })).ToBeVisibleAsync();
        }

        foreach (var hidden in new[] { "Overview", "Roles", "Departments", "Devices", "Admins", "Audit log", "System", "Cluster" })
        {
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = hidden })).ToBeHiddenAsync();
        }

        // users.read without users.write: the list, none of its actions.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "New user" })).ToHaveCountAsync(0);
        foreach (var action in new[] { "Edit", "Reset password", "Deactivate", "Delete" })
        {
            await Assertions.Expect(page.Locator("tbody").GetByRole(AriaRole.Button, new() { Name = action, Exact = true })).ToHaveCountAsync(0);
        }

        await DashboardFixture.ScreenshotAsync(page, "limited-admin-users");

        // channels.write: its actions are there.
        await nav.GetByRole(AriaRole.Link, new() { Name = "Channels" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "New channel" })).ToBeVisibleAsync();

        // A page it may not see, typed into the address bar, sends it back to one it may.
        await page.EvaluateAsync("() => { location.hash = '#/audit'; }");
        await Assertions.Expect(page.Locator("#main[data-page=users]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#live-indicator")).ToContainTextAsync("offline");
    }

    [BrowserFact]
    public async Task Names_holding_markup_are_shown_as_text_on_every_page_and_in_the_live_feed()
    {
        var super = await fixture.Host.AdminClientAsync();
        var department = await (await super.PostAsJsonAsync("/admin/departments", new { name = "Dept " + Markup, description = Markup })).JsonAsync(HttpStatusCode.Created);
        var channel = await (await super.PostAsJsonAsync("/admin/channels", new { name = "chan " + Markup + Guid.NewGuid().ToString("N")[..4], type = "public" })).JsonAsync(HttpStatusCode.Created);
        var user = await fixture.Host.CreateUserAsync(username: NewName("mark"), fullName: "Mal " + Markup);
        (await super.PostAsJsonAsync("/admin/devices", new { name = "Dev " + Markup, kind = "phone", identifier = NewName("id-"), notes = Markup, user_id = user.Id }))
            .StatusCode.Should().Be(HttpStatusCode.Created);

        var page = await fixture.LoggedInPageAsync();
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        // Live feed: a message in the channel names the channel and the sender, as text.
        using (var socket = new ClientWebSocket())
        {
            await socket.ConnectAsync(fixture.Host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={user.Token}"), CancellationToken.None);
            var frame = JsonSerializer.Serialize(new { channel_id = channel.Str("id"), type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes("hi")), nonce = "", signature = "" });
            await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
            await Assertions.Expect(page.Locator("#live-feed")).ToContainTextAsync($"in #{channel.Str("name")} from Mal {Markup} ({user.Username})");
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        foreach (var (link, text) in new[]
                 {
                     ("Users", "Mal " + Markup), ("Channels", channel.Str("name")), ("Departments", department.Str("name")),
                     ("Devices", "Dev " + Markup), ("Audit log", $"channel:{channel.Str("id")}"),
                 })
        {
            await page.Locator("#nav").GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync();
            await Assertions.Expect(page.Locator("#main")).ToContainTextAsync(text);
        }

        await DashboardFixture.ScreenshotAsync(page, "markup-as-text");
        (await page.Locator("img[src=x]").CountAsync()).Should().Be(0, "no name became an element");
        (await page.EvaluateAsync<bool>("() => window.__injected === 1")).Should().BeFalse("no name ran as script");
        dialogs.Should().Be(0);
    }

    [BrowserFact]
    public async Task The_overview_of_a_server_with_some_activity_shows_every_figure_for_the_readme()
    {
        var people = new List<TestUser>();
        foreach (var (name, full) in new[] { ("sara", "Sara Haddad"), ("omar", "Omar Nasser"), ("lina", "Lina Khoury") })
        {
            people.Add(await fixture.Host.CreateUserAsync(username: NewName(name), fullName: full));
        }

        var page = await fixture.LoggedInPageAsync();
        await Assertions.Expect(page.Locator("#live-indicator")).ToContainTextAsync("live");
        var sockets = new List<ClientWebSocket>();
        try
        {
            foreach (var person in people)
            {
                var socket = new ClientWebSocket();
                sockets.Add(socket);
                await socket.ConnectAsync(fixture.Host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={person.Token}"), CancellationToken.None);
                var frame = JsonSerializer.Serialize(new { channel_id = "general", type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes($"Good morning from {person.Username}")), nonce = "", signature = "" });
                await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
            }

            await Assertions.Expect(page.Locator("#live-feed")).ToContainTextAsync($"in #general from Lina Khoury ({people[2].Username})");
            // Every section answered: no "not available" panel, and the node count is a number.
            await Assertions.Expect(page.Locator(".unavailable")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#card-nodes .value")).ToHaveTextAsync("1/1");
            await DashboardFixture.ScreenshotAsync(page, "dashboard-overview");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                }

                socket.Dispose();
            }
        }
    }
}
