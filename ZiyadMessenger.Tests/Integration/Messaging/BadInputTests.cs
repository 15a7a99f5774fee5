using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Every kind of bad input: the right status, nothing stored, the socket and the server keep working.</summary>
public abstract class BadInputTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Bad_sends_over_http_get_a_clear_4xx_and_store_nothing()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        var secret = await _host.CreateChannelAsync(ChannelTypes.Private);
        using var http = _host.Messaging(alice);
        var tooBig = Convert.ToBase64String(new byte[64 * 1024 + 1]);
        var justRight = Convert.ToBase64String(new byte[64 * 1024]);

        var cases = new (object Body, HttpStatusCode Status, string Why)[]
        {
            (new { channel_id = channel.Id, type = 1, content = "not base64!!" }, HttpStatusCode.BadRequest, "invalid base64"),
            (new { channel_id = channel.Id, type = 1, content = "YQ=" }, HttpStatusCode.BadRequest, "truncated base64"),
            (new { channel_id = channel.Id, type = 1, content = tooBig }, HttpStatusCode.RequestEntityTooLarge, "content over 64 KiB"),
            (new { channel_id = channel.Id, type = 1, content = "" }, HttpStatusCode.BadRequest, "empty content"),
            (new { channel_id = channel.Id, type = 1 }, HttpStatusCode.BadRequest, "no content"),
            (new { channel_id = channel.Id, type = 256, content = "eA==" }, HttpStatusCode.BadRequest, "type above 255"),
            (new { channel_id = channel.Id, type = -1, content = "eA==" }, HttpStatusCode.BadRequest, "negative type"),
            (new { channel_id = channel.Id, type = 1, content = "eA==", nonce = "***" }, HttpStatusCode.BadRequest, "nonce not base64"),
            (new { channel_id = channel.Id, type = 1, content = "eA==", client_msg_id = new string('x', 129) }, HttpStatusCode.BadRequest, "client_msg_id too long"),
            (new { type = 1, content = "eA==" }, HttpStatusCode.BadRequest, "no channel"),
            (new { channel_id = "nope", type = 1, content = "eA==" }, HttpStatusCode.NotFound, "unknown channel"),
            (new { channel_id = secret.Id, type = 1, content = "eA==" }, HttpStatusCode.Forbidden, "someone else's private channel"),
            (new { channel_id = alice.Id, type = 1, content = "eA==" }, HttpStatusCode.Forbidden, "DM to self"),
        };
        foreach (var (body, status, why) in cases)
        {
            var response = await http.PostAsJsonAsync("/send", body);
            response.StatusCode.Should().Be(status, why);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", why);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace(why);
        }

        foreach (var raw in new[] { "{", "[]", "\"text\"", "{\"channel_id\": 5}", "{\"channel_id\":\"x\",\"type\":\"many\"}" })
        {
            var response = await http.PostAsync("/send", new StringContent(raw, System.Text.Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, raw);
        }

        (await http.HistoryAsync(channel.Id)).Should().BeEmpty("nothing bad was stored");
        (await http.PostAsJsonAsync("/send", new { channel_id = channel.Id, type = 255, content = justRight })).StatusCode.Should().Be(HttpStatusCode.OK, "64 KiB exactly is allowed");

        // Someone else's DM.
        var bobsDm = (await _host.Messaging(bob).SendAsync((await _host.CreateUserAsync()).Id, "private")).GetProperty("channel_id").GetString()!;
        (await http.PostAsJsonAsync("/send", new { channel_id = bobsDm, type = 1, content = "eA==" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // Without a token.
        var anonymous = await _host.Client(ModuleNames.Messaging).PostAsJsonAsync("/send", new { channel_id = "general", type = 1, content = "eA==" });
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task The_websocket_needs_a_token_and_user_id_must_match_it()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();

        var noToken = async () => await WsClient.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?user_id={alice.Id}"));
        (await noToken.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");
        var forged = async () => await WsClient.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, "/ws?token=not.a.token"));
        (await forged.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");
        var mismatch = async () => await WsClient.ConnectAsync(_host.Ws(alice.Token, 1, $"&user_id={bob.Id}"));
        (await mismatch.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("403");
        var badVersion = async () => await WsClient.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={alice.Token}&v=7"));
        (await badVersion.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("400");

        await using var matching = await WsClient.ConnectAsync(_host.Ws(alice.Token, 1, $"&user_id={alice.Id}"));
        matching.State.Should().Be(WebSocketState.Open);

        var plainGet = await _host.Messaging(alice).GetAsync("/ws");
        plainGet.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [SkippableFact]
    public async Task Malformed_v1_frames_are_ignored_and_logged_and_the_socket_keeps_working()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        await using var socket = await _host.ConnectAsync(user, 1);

        await socket.SendTextAsync("this is not json");
        await socket.SendTextAsync("{\"channel_id\": \"" + channel.Id + "\", \"type\": 1, \"content\": \"@@@\"}");
        await socket.SendTextAsync("{\"channel_id\": \"nowhere\", \"type\": 1, \"content\": \"eA==\"}");
        await socket.SendTextAsync("[1,2,3]");
        await socket.SendTextAsync("{\"channel_id\": \"" + channel.Id + "\", \"type\": 1, \"content\": \"eA==\"}", WebSocketMessageType.Binary);
        await socket.SendJsonAsync(new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("still here") });

        var frame = await socket.ReceiveAsync();
        MessagingApi.Text(frame).Should().Be("still here", "bad v1 frames get no reply at all");
        frame.GetProperty("seq").GetInt64().Should().Be(1, "nothing from the bad frames was stored");
        (await socket.DrainAsync(TimeSpan.FromMilliseconds(300))).Should().BeEmpty();

        var logs = await _host.ReadLogsAsync();
        logs.Should().Contain("Ignored a v1 frame");
        logs.Should().NotContain(user.Token, "tokens never reach the log");
    }

    [SkippableFact]
    public async Task Malformed_v2_frames_get_an_error_event_and_the_socket_keeps_working()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        var secret = await _host.CreateChannelAsync(ChannelTypes.Private);
        await using var socket = await _host.ConnectAsync(user, 2);

        var bad = new (string Frame, int Status)[]
        {
            ("not json", 400),
            ("", 400),
            ("{\"data\": {}}", 400),
            ("{\"event\": \"dance\", \"data\": {}}", 400),
            ("{\"event\": \"send\"}", 400),
            ("{\"event\": \"send\", \"data\": {\"channel_id\": \"" + channel.Id + "\", \"type\": 1, \"content\": \"%%\", \"client_msg_id\": \"c1\"}}", 400),
            ("{\"event\": \"send\", \"data\": {\"channel_id\": \"" + channel.Id + "\", \"type\": \"x\", \"content\": \"eA==\"}}", 400),
            ("{\"event\": \"send\", \"data\": {\"channel_id\": \"" + channel.Id + "\", \"type\": 1, \"content\": \"" + Convert.ToBase64String(new byte[70_000]) + "\"}}", 413),
            ("{\"event\": \"send\", \"data\": {\"channel_id\": \"nowhere\", \"type\": 1, \"content\": \"eA==\"}}", 404),
            ("{\"event\": \"send\", \"data\": {\"channel_id\": \"" + secret.Id + "\", \"type\": 1, \"content\": \"eA==\", \"client_msg_id\": \"c2\"}}", 403),
            ("{\"event\": \"typing\", \"data\": {}}", 400),
            ("{\"event\": \"read\", \"data\": {\"channel_id\": \"" + channel.Id + "\"}}", 400),
        };
        foreach (var (frame, status) in bad)
        {
            await socket.SendTextAsync(frame);
            var error = await socket.ReceiveEventAsync("error");
            error.GetProperty("status").GetInt32().Should().Be(status, frame.Length > 200 ? frame[..200] : frame);
            error.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        }

        foreach (var payload in new[] { "", "{\"event\": \"ping\", \"data\": {}}" })
        {
            await socket.SendTextAsync(payload, WebSocketMessageType.Binary);
            (await socket.ReceiveEventAsync("error")).GetProperty("status").GetInt32().Should().Be(400, "frames must be text, even empty ones");
        }

        await socket.SendTextAsync("{\"event\": \"send\", \"data\": {\"channel_id\": \"" + secret.Id + "\", \"type\": 1, \"content\": \"eA==\", \"client_msg_id\": \"c3\"}}");
        (await socket.ReceiveEventAsync("error")).GetProperty("client_msg_id").GetString().Should().Be("c3");

        await socket.SendJsonAsync(new { @event = "ping", data = new { n = 7 } });
        (await socket.ReceiveEventAsync("pong")).GetProperty("n").GetInt32().Should().Be(7);

        await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("fine"), client_msg_id = "ok" } });
        (await socket.ReceiveEventAsync("ack")).GetProperty("seq").GetInt64().Should().Be(1, "nothing from the bad frames was stored");
    }

    [SkippableFact]
    public async Task A_huge_frame_closes_that_socket_with_1009_and_the_server_keeps_working()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        await using var socket = await _host.ConnectAsync(user, 2);
        await using var bystander = await _host.ConnectAsync(user, 2);

        // 4 MiB in one frame, far over the limit.
        var huge = "{\"event\":\"send\",\"data\":{\"channel_id\":\"general\",\"type\":1,\"content\":\"" + new string('A', 4 * 1024 * 1024) + "\"}}";
        try
        {
            await socket.SendTextAsync(huge);
        }
        catch (WebSocketException)
        {
            // The server may close before the whole frame is written.
        }

        await socket.Closed.WaitAsync(TimeSpan.FromSeconds(10));
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.MessageTooBig);

        await bystander.SendJsonAsync(new { @event = "ping", data = new { } });
        await bystander.ReceiveEventAsync("pong");
        await using var fresh = await _host.ConnectAsync(user, 2);
        await fresh.SendJsonAsync(new { @event = "ping", data = new { } });
        await fresh.ReceiveEventAsync("pong");
    }

    [SkippableFact]
    public async Task Typing_reaches_the_channels_other_readers()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        await using var aliceSocket = await _host.ConnectAsync(alice, 2);
        await using var bobSocket = await _host.ConnectAsync(bob, 2);

        await aliceSocket.SendJsonAsync(new { @event = "typing", data = new { channel_id = channel.Id } });
        var typing = await bobSocket.ReceiveEventAsync("typing");
        typing.GetProperty("channel_id").GetString().Should().Be(channel.Id);
        typing.GetProperty("user_id").GetString().Should().Be(alice.Id);
        (await aliceSocket.DrainAsync(TimeSpan.FromMilliseconds(300))).Should().NotContain(f => f.GetProperty("event").GetString() == "typing");
    }
}

public sealed class BadInputTestsOnSqlite(SqliteHostFixture fixture) : BadInputTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class BadInputTestsOnPostgres(PostgresHostFixture fixture) : BadInputTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
