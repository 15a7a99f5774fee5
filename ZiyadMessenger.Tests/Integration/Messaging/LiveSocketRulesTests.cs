using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>A host that re-checks socket tokens every second, so that logout is seen quickly.</summary>
public sealed class QuickRecheckHostFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Messaging:TokenRecheckSeconds"] = "1" });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>Changes made elsewhere (membership, revocation, presence) apply to sockets that are already open.</summary>
public sealed class LiveSocketRulesTests(QuickRecheckHostFixture fixture) : IClassFixture<QuickRecheckHostFixture>
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task Membership_changes_apply_to_open_sockets_at_once()
    {
        var owner = await _host.CreateUserAsync();
        var joiner = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, owner.Id);
        using var ownerHttp = _host.Messaging(owner);
        await using var socket = await _host.ConnectAsync(joiner, 2);

        // Not a member yet: a later public marker arrives, the private message before it never does.
        await ownerHttp.SendAsync(channel.Id, "before joining");
        var marker1 = await ownerHttp.SendAsync("general", "marker 1");
        (await socket.ReceiveEventAsync("message")).GetProperty("id").GetString().Should().Be(marker1.GetProperty("message_id").GetString());

        await _host.AddMemberAsync(channel.Id, joiner.Id);
        var welcome = await ownerHttp.SendAsync(channel.Id, "welcome");
        (await socket.ReceiveEventAsync("message")).GetProperty("id").GetString().Should().Be(welcome.GetProperty("message_id").GetString());
        (await _host.Messaging(joiner).SendAsync(channel.Id, "thanks")).GetProperty("seq").GetInt64().Should().Be(3);
        await socket.ReceiveEventAsync("message");

        await _host.RemoveMemberAsync(channel.Id, joiner.Id);
        await ownerHttp.SendAsync(channel.Id, "after leaving");
        var marker2 = await ownerHttp.SendAsync("general", "marker 2");
        (await socket.ReceiveEventAsync("message")).GetProperty("id").GetString().Should().Be(marker2.GetProperty("message_id").GetString(),
            "the removed member stops receiving the channel immediately");
        var sendAfter = await _host.Messaging(joiner).PostAsJsonAsync("/send", new { channel_id = channel.Id, type = 1, content = "eA==" });
        sendAfter.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_password_change_closes_the_users_other_sockets_and_their_tokens_no_longer_connect()
    {
        var user = await _host.CreateUserAsync();
        var otherDevice = await _host.LoginAsync(user.Username, user.Password);
        await using var kept = await _host.ConnectAsync(user, 2);
        await using var revoked = await WsClient.ConnectAsync(_host.Ws(otherDevice, 2));

        var change = await _host.Client(ModuleNames.Auth, user.Token).PostAsJsonAsync("/change-password",
            new { current_password = user.Password, new_password = "Another-pass-123" });
        change.StatusCode.Should().Be(HttpStatusCode.NoContent);

        await revoked.Closed.WaitAsync(Soon);
        revoked.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        await kept.SendJsonAsync(new { @event = "ping", data = new { } });
        await kept.ReceiveEventAsync("pong");

        var again = async () => await WsClient.ConnectAsync(_host.Ws(otherDevice, 2));
        (await again.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");
    }

    [Fact]
    public async Task Deactivating_or_deleting_a_user_closes_all_their_sockets()
    {
        var deactivated = await _host.CreateUserAsync();
        var deleted = await _host.CreateUserAsync();
        await using var a1 = await _host.ConnectAsync(deactivated, 1);
        await using var a2 = await _host.ConnectAsync(deactivated, 2);
        await using var b1 = await _host.ConnectAsync(deleted, 2);

        await _host.BusAsync(s => s.Send(new UpdateUser(deactivated.Id, null, null, null, IsActive: false, "test-admin")));
        await _host.BusAsync(async s => { await s.Send(new DeleteUser(deleted.Id, "test-admin")); return 0; });

        await Task.WhenAll(a1.Closed, a2.Closed, b1.Closed).WaitAsync(Soon);
        var reconnect = async () => await _host.ConnectAsync(deactivated, 2);
        (await reconnect.Should().ThrowAsync<WebSocketException>()).Which.Message.Should().Contain("401");
    }

    [Fact]
    public async Task Logging_out_closes_the_sockets_of_that_token_within_seconds()
    {
        var user = await _host.CreateUserAsync();
        await using var socket = await _host.ConnectAsync(user, 2);
        (await _host.Client(ModuleNames.Auth, user.Token).PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await socket.Closed.WaitAsync(Soon);
        socket.CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
    }

    [Fact]
    public async Task Presence_broadcasts_reach_v2_sockets_and_connections_are_counted()
    {
        var watcher = await _host.CreateUserAsync();
        var subject = await _host.CreateUserAsync();
        await using var v1 = await _host.ConnectAsync(watcher, 1);
        await using var v2 = await _host.ConnectAsync(watcher, 2);
        await using var subjectSocket = await _host.ConnectAsync(subject, 2);

        var stats = await _host.BusAsync(s => s.Send(new GetConnectionStats()));
        stats.OpenSockets.Should().BeGreaterThanOrEqualTo(3);
        stats.ConnectedUsers.Should().BeGreaterThanOrEqualTo(2);

        var seen = DateTimeOffset.UtcNow;
        await _host.BusAsync(async s => { await s.Send(new BroadcastPresence(subject.Id, 2, seen)); return 0; });
        // The Presence module also announces these users as they connect: look for the broadcast sent here.
        var presence = await v2.ReceiveEventAsync("presence");
        while (presence.GetProperty("user_id").GetString() != subject.Id || presence.GetProperty("status").GetInt32() != 2)
        {
            presence = await v2.ReceiveEventAsync("presence");
        }

        presence.GetProperty("user_id").GetString().Should().Be(subject.Id);
        presence.GetProperty("status").GetInt32().Should().Be(2);
        (await v1.DrainAsync(TimeSpan.FromMilliseconds(300))).Should().BeEmpty("v1 sockets get messages only");

        await subjectSocket.DisposeAsync();
        var deadline = DateTime.UtcNow + Soon;
        while ((await _host.BusAsync(s => s.Send(new GetConnectionStats()))).OpenSockets >= stats.OpenSockets && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        (await _host.BusAsync(s => s.Send(new GetConnectionStats()))).OpenSockets.Should().Be(stats.OpenSockets - 1);
    }

    [Fact]
    public async Task Message_stats_count_what_was_sent()
    {
        var user = await _host.CreateUserAsync();
        var before = await _host.BusAsync(s => s.Send(new GetMessageStats()));
        using var http = _host.Messaging(user);
        for (var i = 0; i < 3; i++)
        {
            await http.SendAsync("general", $"stat {i}");
        }

        var after = await _host.BusAsync(s => s.Send(new GetMessageStats()));
        (after.Total - before.Total).Should().Be(3);
        (after.LastHour - before.LastHour).Should().Be(3);
        (after.Today - before.Today).Should().Be(3);
        after.PerMinuteLastHour.Should().HaveCount(60);
        after.PerMinuteLastHour.Sum().Should().Be((int)after.LastHour);
    }
}
