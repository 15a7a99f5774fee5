using System.Net;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging.TeamChat;

/// <summary>Pins: who may pin, GET /pins, the v2 events, the audit log, and what deleting and removal do.</summary>
public abstract class PinTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Members_pin_and_unpin_idempotently_every_reader_socket_hears_it_and_the_audit_log_records_it()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        var first = (await aliceHttp.SendAsync(channel.Id, "the plan")).GetProperty("message_id").GetString()!;
        var second = (await aliceHttp.SendAsync(channel.Id, "the wifi password is in the wiki")).GetProperty("message_id").GetString()!;

        await using var alicePhone = await _host.ConnectAsync(alice, 2);
        await using var aliceDesktop = await _host.ConnectAsync(alice, 2);
        await using var bobV1 = await _host.ConnectAsync(bob, 1);
        await using var carolV2 = await _host.ConnectAsync(carol, 2);

        for (var i = 0; i < 2; i++)
        {
            (await bobHttp.PinAsync(first)).StatusCode.Should().Be(HttpStatusCode.NoContent, "PUT is idempotent");
        }

        (await aliceHttp.PinAsync(second)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var pins = await aliceHttp.PinsAsync(channel.Id);
        pins.Select(p => p.GetProperty("id").GetString()).Should().Equal([second, first], "newest pin first");
        pins[1].GetProperty("pinned_by").GetString().Should().Be(bob.Id, "a repeated pin keeps the first pin's author");
        pins[1].GetProperty("pinned_at").GetInt64().Should().BeGreaterThan(0);
        MessagingApi.Text(pins[1]).Should().Be("the plan");
        pins[1].GetProperty("seq").GetInt64().Should().Be(1);
        pins[1].GetProperty("reactions").ValueKind.Should().Be(JsonValueKind.Array);

        foreach (var socket in new[] { alicePhone, aliceDesktop })
        {
            var pinned = await socket.ReceiveEventAsync("message_pinned");
            pinned.GetProperty("message_id").GetString().Should().Be(first);
            pinned.GetProperty("channel_id").GetString().Should().Be(channel.Id);
            pinned.GetProperty("user_id").GetString().Should().Be(bob.Id);
            (await socket.ReceiveEventAsync("message_pinned")).GetProperty("message_id").GetString().Should().Be(second);
        }

        for (var i = 0; i < 2; i++)
        {
            (await aliceHttp.UnpinAsync(first)).StatusCode.Should().Be(HttpStatusCode.NoContent, "DELETE is idempotent");
        }

        (await alicePhone.ReceiveEventAsync("message_unpinned")).GetProperty("user_id").GetString().Should().Be(alice.Id);
        (await aliceDesktop.ReceiveEventAsync("message_unpinned")).GetProperty("message_id").GetString().Should().Be(first);
        (await bobHttp.PinsAsync(channel.Id)).Select(p => p.GetProperty("id").GetString()).Should().Equal([second]);

        await aliceHttp.SendAsync("general", "marker");
        var carolSaw = await carolV2.FramesUntilMessageAsync("marker");
        carolSaw.Select(f => f.GetProperty("event").GetString()).Should().OnlyContain(e => e == "message" || e == "presence",
            "carol cannot read the channel, so she hears of no pin");
        var bobV1Saw = await bobV1.FramesUntilMessageAsync("marker");
        bobV1Saw.Should().ContainSingle("v1 sockets receive bare message objects only, nothing else");
        bobV1Saw[0].TryGetProperty("event", out _).Should().BeFalse();

        if (Fixture.Kind == StoreKind.Postgres)
        {
            // The audit log does not run on PostgreSQL yet (its store is SQLite's): that part of the test waits for it.
            return;
        }

        var pinnedEntries = await _host.AuditEntriesAsync(bob.Id, "message.pinned");
        pinnedEntries.Should().ContainSingle(e => e.TargetResource == $"message:{first}", "one pin, however often it was repeated");
        (await _host.AuditEntriesAsync(alice.Id, "message.unpinned")).Should().ContainSingle(e => e.TargetResource == $"message:{first}");
    }

    [SkippableFact]
    public async Task Only_readers_pin_or_list_pins_and_a_deleted_message_leaves_the_pins()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        using var carolHttp = _host.Messaging(carol);
        var id = (await aliceHttp.SendAsync(channel.Id, "pin me")).GetProperty("message_id").GetString()!;

        await (await carolHttp.PinAsync(id)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "a non-member cannot see the message");
        await (await carolHttp.GetAsync($"/pins?channel_id={channel.Id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "a non-member");
        (await bobHttp.PinAsync(id)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await _host.RemoveMemberAsync(channel.Id, bob.Id);
        await (await bobHttp.UnpinAsync(id)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "a removed member no longer unpins");
        await (await bobHttp.GetAsync($"/pins?channel_id={channel.Id}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "nor lists the pins");

        // In a public channel every reader may pin.
        var open = (await aliceHttp.SendAsync("general", "for everyone")).GetProperty("message_id").GetString()!;
        (await carolHttp.PinAsync(open)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await carolHttp.PinsAsync("general")).Should().Contain(p => p.GetProperty("id").GetString() == open);
        (await carolHttp.UnpinAsync(open)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        // Deleting a pinned message unpins it; a deleted message cannot be pinned again.
        (await aliceHttp.DeleteAsync($"/messages/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await aliceHttp.PinsAsync(channel.Id)).Should().BeEmpty();
        await (await aliceHttp.PinAsync(id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "a deleted message");

        // A DM's pins, named by the other user's id as history allows.
        var dm = (await aliceHttp.SendAsync(bob.Id, "just us")).GetProperty("message_id").GetString()!;
        (await bobHttp.PinAsync(dm)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await aliceHttp.PinsAsync(bob.Id)).Single().GetProperty("id").GetString().Should().Be(dm);
        await (await carolHttp.PinAsync(dm)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "someone else's DM");
    }

    [SkippableFact]
    public async Task Bad_pin_requests_get_a_clear_4xx()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        using var http = _host.Messaging(alice);
        foreach (var query in new[] { "", "?channel_id=", "?channel_id=%20" })
        {
            await (await http.GetAsync($"/pins{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, $"GET /pins{query}");
        }

        foreach (var channel in new[] { Guid.NewGuid().ToString(), "dm:x:y", new string('c', 5000) })
        {
            await (await http.GetAsync($"/pins?channel_id={channel}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, channel[..Math.Min(channel.Length, 10)]);
        }

        var random = new Random(99);
        for (var i = 0; i < 20; i++)
        {
            var id = new string(Enumerable.Range(0, random.Next(1, i == 0 ? 9000 : 60)).Select(_ => (char)random.Next('0', 'z')).ToArray());
            var escaped = Uri.EscapeDataString(id);
            var pin = await http.PutAsync(new Uri($"/messages/{escaped}/pin", UriKind.Relative), null);
            ((int)pin.StatusCode).Should().BeOneOf([400, 404], id);
            await pin.ShouldBeProblemAsync(pin.StatusCode, id);
            var unpin = await http.DeleteAsync(new Uri($"/messages/{escaped}/pin", UriKind.Relative));
            await unpin.ShouldBeProblemAsync(pin.StatusCode, id);
        }

        (await http.PostAsync("/messages/x/pin", null)).StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }
}

public sealed class PinTestsOnSqlite(SqliteHostFixture fixture) : PinTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class PinTestsOnPostgres(PostgresHostFixture fixture) : PinTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
