using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class LiveFeedFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Admin:LiveTickMilliseconds"] = "300" });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class LiveFeedTests(LiveFeedFixture fixture) : IClassFixture<LiveFeedFixture>
{
    private readonly TestHost _host = fixture.Host;

    private async Task<ClientWebSocket> ConnectAsync(string token)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(_host.WebSocketUrl(ModuleNames.Admin, $"/admin/ws?token={Uri.EscapeDataString(token)}"), CancellationToken.None);
        return socket;
    }

    private static async Task<JsonElement> NextAsync(ClientWebSocket socket, Func<JsonElement, bool> wanted, TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var count = 0;
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), timeout.Token);
                count += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"closed: {socket.CloseStatus}");
            }

            var frame = JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone();
            if (wanted(frame))
            {
                return frame;
            }
        }
    }

    private static Func<JsonElement, bool> Event(string name) => f => f.Str("event") == name;

    [Fact]
    public async Task The_feed_opens_with_a_snapshot_then_streams_messages_admin_actions_and_stats()
    {
        var admin = await _host.AdminClientAsync();
        using var socket = await ConnectAsync(await _host.AdminTokenAsync());
        var hello = await NextAsync(socket, _ => true);
        hello.Str("event").Should().Be("hello");
        hello.GetProperty("payload").TryGetProperty("system", out _).Should().BeTrue();

        var user = await _host.CreateUserAsync();
        using var chat = new ClientWebSocket();
        await chat.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={user.Token}"), CancellationToken.None);
        var connected = await NextAsync(socket, f => f.Str("event") == "user_connected" && f.GetProperty("payload").Str("user_id") == user.Id);
        connected.GetProperty("payload").GetProperty("open_sockets").GetInt32().Should().Be(1);

        var content = Convert.ToBase64String(Encoding.UTF8.GetBytes("secret plans"));
        var frame = JsonSerializer.Serialize(new { channel_id = "general", type = 1, content, nonce = "", signature = "" });
        await chat.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
        var message = await NextAsync(socket, f => f.Str("event") == "message" && f.GetProperty("payload").Str("sender_id") == user.Id);
        var payload = message.GetProperty("payload");
        payload.Str("channel_id").Should().Be("general");
        payload.GetProperty("seq").GetInt64().Should().BeGreaterThan(0);
        payload.GetRawText().Should().NotContain(content, "the feed carries sizes and ids, never content");

        (await admin.PostAsJsonAsync("/admin/departments", new { name = "Live " + Guid.NewGuid().ToString("N")[..6] })).StatusCode.Should().Be(HttpStatusCode.Created);
        var action = await NextAsync(socket, f => f.Str("event") == "admin_action" && f.GetProperty("payload").Str("action") == "admin.department.create");
        action.GetProperty("payload").Str("admin").Should().Be("admin");

        var stats = await NextAsync(socket, Event("stats"));
        stats.GetProperty("payload").GetProperty("messages").GetProperty("total").GetInt64().Should().BeGreaterThan(0);
        await NextAsync(socket, Event("health"));

        await chat.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await NextAsync(socket, f => f.Str("event") == "user_disconnected" && f.GetProperty("payload").Str("user_id") == user.Id);
    }

    [Fact]
    public async Task The_feed_refuses_missing_user_and_viewer_tokens()
    {
        var anonymous = new ClientWebSocket();
        var refused = async () => await anonymous.ConnectAsync(_host.WebSocketUrl(ModuleNames.Admin, "/admin/ws"), CancellationToken.None);
        (await refused.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");

        var user = await _host.CreateUserAsync();
        var asUser = async () => await ConnectAsync(user.Token);
        (await asUser.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");

        var super = await _host.AdminClientAsync();
        var (_, viewer) = await _host.CreateAdminAsync(super, "viewer");
        var asViewer = async () => await ConnectAsync(viewer);
        (await asViewer.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("403");
    }

    [Fact]
    public async Task Ending_the_admins_sessions_closes_the_feed()
    {
        var super = await _host.AdminClientAsync();
        var (_, token) = await _host.CreateAdminAsync(super, "admin");
        using var socket = await ConnectAsync(token);
        await NextAsync(socket, Event("hello"));

        (await _host.Client(ModuleNames.Admin, token).PostAsync("/admin/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var closed = async () => await NextAsync(socket, _ => false, TimeSpan.FromSeconds(10));
        await closed.Should().ThrowAsync<WebSocketException>();
        socket.CloseStatus.Should().Be((WebSocketCloseStatus)4401);
    }

    [Fact]
    public async Task A_plain_http_request_to_the_feed_is_400()
    {
        var admin = await _host.AdminClientAsync();
        await (await admin.GetAsync("/admin/ws")).ProblemAsync(HttpStatusCode.BadRequest);
    }
}
