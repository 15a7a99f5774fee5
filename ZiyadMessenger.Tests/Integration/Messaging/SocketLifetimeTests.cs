using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>How open sockets end: when their token expires, and when the server stops gracefully.</summary>
public sealed class SocketLifetimeTests
{
    [Fact]
    public async Task An_open_socket_is_closed_with_1008_once_its_token_expires()
    {
        // The shortest lifetime there is (one minute), and sockets re-checked every second.
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Auth:TokenLifetimeMinutes"] = "1",
            ["ZiyadMessenger:Messaging:TokenRecheckSeconds"] = "1",
        });
        var user = await host.CreateUserAsync();
        var login = await host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        var expiresAt = body.GetProperty("expires_at").GetDateTimeOffset();
        expiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(1), TimeSpan.FromSeconds(30));

        await using var socket = await WsClient.ConnectAsync(host.Ws(token, 2));
        await socket.SendJsonAsync(new { @event = "ping", data = new { n = 1 } });
        (await socket.ReceiveEventAsync("pong")).GetProperty("n").GetInt32().Should().Be(1);

        // Nothing but the clock ends it: no logout, no password change. The bound is generous; the close
        // must not come before the expiry (the token's exp is in whole seconds, hence the second's slack).
        await socket.ReadUntilClosedAsync(expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(90));
        var closedAt = DateTimeOffset.UtcNow;

        socket.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        closedAt.Should().BeOnOrAfter(expiresAt - TimeSpan.FromSeconds(1), "a live token keeps its socket open");
        var again = async () => await WsClient.ConnectAsync(host.Ws(token, 2));
        await again.Should().ThrowAsync<WebSocketException>("an expired token does not connect either");
    }

    [Fact]
    public async Task A_graceful_stop_closes_every_socket_with_1001()
    {
        await using var host = await TestHost.StartAsync();
        var alice = await host.CreateUserAsync();
        var bob = await host.CreateUserAsync();
        var v1 = await host.ConnectAsync(alice, 1);
        var v2 = await host.ConnectAsync(bob, 2);
        var live = await WsClient.ConnectAsync(host.WebSocketUrl(ModuleNames.Admin, $"/admin/ws?token={Uri.EscapeDataString(await host.AdminTokenAsync())}"));
        await v2.SendJsonAsync(new { @event = "ping", data = new { } });
        await v2.ReceiveEventAsync("pong");
        v1.State.Should().Be(WebSocketState.Open);
        live.State.Should().Be(WebSocketState.Open);

        var stopping = host.StopAsync();
        foreach (var (name, socket) in new[] { ("messaging v1", v1), ("messaging v2", v2), ("admin live feed", live) })
        {
            await socket.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
            socket.CloseStatus.Should().Be(WebSocketCloseStatus.EndpointUnavailable, name);
        }

        await stopping;
        foreach (var socket in new[] { v1, v2, live })
        {
            await socket.DisposeAsync();
        }
    }
}
