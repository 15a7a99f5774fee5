using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Behaves exactly like the existing desktop client, step by step, on the wire.</summary>
public sealed class DesktopClientCompatibilityTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task The_desktop_client_flow_works_unchanged()
    {
        var (aliceId, aliceToken) = await RegisterAndLoginAsync("alice_" + Suffix());
        var (bobId, _) = await RegisterAndLoginAsync("bob_" + Suffix());

        using var http = new HttpClient { BaseAddress = _host.Url(ModuleNames.Messaging) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", aliceToken);

        await using var socket = await WsClient.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={Uri.EscapeDataString(aliceToken)}"));
        var text = "Halo semua — ünïcödé ✓";
        await socket.SendJsonAsync(new Dictionary<string, object>
        {
            ["channel_id"] = "general",
            ["content"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)),
            ["type"] = 2,
            ["nonce"] = "",
            ["signature"] = "",
        });

        // The bare message object comes back on the sender's own socket.
        var echoed = await socket.ReceiveAsync();
        echoed.ValueKind.Should().Be(JsonValueKind.Object);
        echoed.TryGetProperty("event", out _).Should().BeFalse("v1 pushes bare message objects");
        echoed.GetProperty("id").GetString().Should().NotBeNullOrEmpty();
        echoed.GetProperty("channel_id").GetString().Should().Be("general");
        echoed.GetProperty("sender_id").GetString().Should().Be(aliceId);
        echoed.GetProperty("type").GetInt32().Should().Be(2);
        echoed.GetProperty("timestamp").GetInt64().Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 60_000);
        Encoding.UTF8.GetString(Convert.FromBase64String(echoed.GetProperty("content").GetString()!)).Should().Be(text);
        echoed.GetProperty("nonce").GetString().Should().Be("");
        echoed.GetProperty("signature").GetString().Should().Be("");
        echoed.GetProperty("seq").GetInt64().Should().BePositive();

        var history = await http.GetFromJsonAsync<JsonElement>("/history?channel_id=general");
        history.ValueKind.Should().Be(JsonValueKind.Array);
        history.EnumerateArray().Should().Contain(m => m.GetProperty("id").GetString() == echoed.GetProperty("id").GetString());

        var channels = await http.GetFromJsonAsync<JsonElement>("/channels");
        var general = channels.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "general");
        general.GetProperty("name").GetString().Should().Be("general");
        general.GetProperty("type").GetString().Should().Be("public");

        var members = await http.GetFromJsonAsync<JsonElement>("/channel-members?channel_id=general");
        var listed = members.GetProperty("members").EnumerateArray().ToList();
        listed.Should().Contain(m => m.GetProperty("id").GetString() == aliceId && m.GetProperty("username").GetString()!.StartsWith("alice_"));
        listed.Should().OnlyContain(m => m.GetProperty("full_name").ValueKind == JsonValueKind.String);

        var dm = await http.PostAsJsonAsync("/dm", new { target_user_id = bobId });
        dm.StatusCode.Should().Be(HttpStatusCode.OK);
        var dmId = (await dm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channel_id").GetString();
        dmId.Should().Be(string.CompareOrdinal(aliceId, bobId) < 0 ? $"dm:{aliceId}:{bobId}" : $"dm:{bobId}:{aliceId}");

        // Sending to a user id lands in the DM channel.
        await socket.SendJsonAsync(new Dictionary<string, object>
        {
            ["channel_id"] = bobId,
            ["content"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("hi bob")),
            ["type"] = 2,
            ["nonce"] = "",
            ["signature"] = "",
        });
        var direct = await socket.ReceiveAsync();
        direct.GetProperty("channel_id").GetString().Should().Be(dmId);
        direct.GetProperty("seq").GetInt64().Should().Be(1);

        var dmHistory = await http.GetFromJsonAsync<JsonElement>($"/history?channel_id={bobId}");
        dmHistory.EnumerateArray().Select(m => m.GetProperty("id").GetString()).Should().Equal(direct.GetProperty("id").GetString());
    }

    private async Task<(string Id, string Token)> RegisterAndLoginAsync(string username)
    {
        var auth = _host.Client(ModuleNames.Auth);
        var register = await auth.PostAsJsonAsync("/register", new { username, full_name = "Desktop " + username, password = "desktop-pass-1", role = "member" });
        register.StatusCode.Should().Be(HttpStatusCode.Created);
        var login = await auth.PostAsJsonAsync("/login", new { username, password = "desktop-pass-1" });
        login.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("user_id").GetString()!, body.GetProperty("token").GetString()!);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];
}
