using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

public abstract class ChannelTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Channels_lists_public_ones_and_the_callers_own_with_read_state()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var pub = await _host.CreateChannelAsync();
        var mine = await _host.CreateChannelAsync(ChannelTypes.Private);
        var notMine = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(mine.Id, alice.Id);
        await _host.AddMemberAsync(mine.Id, bob.Id);
        await _host.AddMemberAsync(notMine.Id, bob.Id);

        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        for (var i = 0; i < 3; i++)
        {
            await bobHttp.SendAsync(mine.Id, $"b{i}");
        }

        await aliceHttp.SendAsync(mine.Id, "own messages are never unread");
        await bobHttp.SendAsync(pub.Id, "p");

        var list = await ChannelsAsync(aliceHttp);
        list.Keys.Should().Contain(["general", pub.Id, mine.Id]).And.NotContain(notMine.Id);
        list[mine.Id].GetProperty("type").GetString().Should().Be("private");
        list[mine.Id].GetProperty("last_seq").GetInt64().Should().Be(4);
        list[mine.Id].GetProperty("last_read_seq").GetInt64().Should().Be(0);
        list[mine.Id].GetProperty("unread_count").GetInt64().Should().Be(3);
        list[pub.Id].GetProperty("unread_count").GetInt64().Should().Be(1);

        var read = await aliceHttp.PostAsJsonAsync("/read", new { channel_id = mine.Id, seq = 2 });
        read.StatusCode.Should().Be(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("last_read_seq").GetInt64().Should().Be(2);

        // Never backwards, and never past the newest message.
        await aliceHttp.PostAsJsonAsync("/read", new { channel_id = mine.Id, seq = 1 });
        list = await ChannelsAsync(aliceHttp);
        list[mine.Id].GetProperty("last_read_seq").GetInt64().Should().Be(2);
        list[mine.Id].GetProperty("unread_count").GetInt64().Should().Be(1);
        var past = await aliceHttp.PostAsJsonAsync("/read", new { channel_id = mine.Id, seq = 999 });
        (await past.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("last_read_seq").GetInt64().Should().Be(4);
        (await ChannelsAsync(aliceHttp))[mine.Id].GetProperty("unread_count").GetInt64().Should().Be(0);

        (await aliceHttp.PostAsJsonAsync("/read", new { channel_id = notMine.Id, seq = 1 })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [SkippableFact]
    public async Task A_read_on_one_socket_reaches_the_users_other_v2_sockets()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var http = _host.Messaging(alice);
        await http.SendAsync(channel.Id, "x");
        await using var phone = await _host.ConnectAsync(alice, 2);
        await using var desktop = await _host.ConnectAsync(alice, 2);

        await phone.SendJsonAsync(new { @event = "read", data = new { channel_id = channel.Id, seq = 1 } });
        var read = await desktop.ReceiveEventAsync("read");
        read.GetProperty("channel_id").GetString().Should().Be(channel.Id);
        read.GetProperty("user_id").GetString().Should().Be(alice.Id);
        read.GetProperty("seq").GetInt64().Should().Be(1);
    }

    [SkippableFact]
    public async Task Private_channel_members_and_dm_rules()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync(fullName: "Alice Example");
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        var secret = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(secret.Id, alice.Id);

        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        using var carolHttp = _host.Messaging(carol);

        var members = await aliceHttp.GetFromJsonAsync<JsonElement>($"/channel-members?channel_id={secret.Id}");
        var only = members.GetProperty("members").EnumerateArray().Single();
        only.GetProperty("id").GetString().Should().Be(alice.Id);
        only.GetProperty("username").GetString().Should().Be(alice.Username);
        only.GetProperty("full_name").GetString().Should().Be("Alice Example");

        (await bobHttp.GetAsync($"/channel-members?channel_id={secret.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await bobHttp.GetAsync($"/history?channel_id={secret.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Send(bobHttp, secret.Id)).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        // DMs: by user id, created on first use, readable by the pair only.
        var dm = await (await aliceHttp.PostAsJsonAsync("/dm", new { target_user_id = bob.Id })).Content.ReadFromJsonAsync<JsonElement>();
        var dmId = dm.GetProperty("channel_id").GetString()!;
        (await aliceHttp.PostAsJsonAsync("/dm", new { target_user_id = bob.Id })).StatusCode.Should().Be(HttpStatusCode.OK, "opening it again is the same DM");
        var sent = await bobHttp.SendAsync(alice.Id, "psst");
        sent.GetProperty("channel_id").GetString().Should().Be(dmId);
        (await aliceHttp.HistoryAsync(bob.Id)).Single().GetProperty("id").GetString().Should().Be(sent.GetProperty("message_id").GetString());
        (await aliceHttp.HistoryAsync(dmId)).Should().HaveCount(1);
        (await carolHttp.GetAsync($"/history?channel_id={Uri.EscapeDataString(dmId)}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Send(carolHttp, dmId)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var dmMembers = await aliceHttp.GetFromJsonAsync<JsonElement>($"/channel-members?channel_id={Uri.EscapeDataString(dmId)}");
        dmMembers.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Should().BeEquivalentTo([alice.Id, bob.Id]);

        // A DM that was never used has no history yet, and is not created by reading.
        (await carolHttp.HistoryAsync(alice.Id)).Should().BeEmpty();
        (await ChannelsAsync(carolHttp)).Keys.Should().NotContain(k => k.StartsWith("dm:"));

        // Self and unknown.
        (await aliceHttp.PostAsJsonAsync("/dm", new { target_user_id = alice.Id })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await aliceHttp.PostAsJsonAsync("/dm", new { target_user_id = Guid.NewGuid().ToString() })).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Send(aliceHttp, alice.Id)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Send(aliceHttp, "no-such-channel")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await aliceHttp.GetAsync("/history?channel_id=no-such-channel")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [SkippableFact]
    public async Task History_pages_by_seq_and_is_an_empty_array_when_empty()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var http = _host.Messaging(user);

        var empty = await http.GetAsync($"/history?channel_id={channel.Id}");
        (await empty.Content.ReadAsStringAsync()).Should().Be("[]");

        for (var i = 1; i <= 12; i++)
        {
            await http.SendAsync(channel.Id, $"m{i}");
        }

        static long[] Seqs(List<JsonElement> page) => page.Select(m => m.GetProperty("seq").GetInt64()).ToArray();
        Seqs(await http.HistoryAsync(channel.Id)).Should().Equal(Enumerable.Range(1, 12).Select(i => (long)i));
        Seqs(await http.HistoryAsync(channel.Id, "&limit=5")).Should().Equal(8, 9, 10, 11, 12);
        Seqs(await http.HistoryAsync(channel.Id, "&limit=5&before=8")).Should().Equal(3, 4, 5, 6, 7);
        Seqs(await http.HistoryAsync(channel.Id, "&limit=5&after=2")).Should().Equal(3, 4, 5, 6, 7);
        Seqs(await http.HistoryAsync(channel.Id, "&after=10")).Should().Equal(11, 12);
        Seqs(await http.HistoryAsync(channel.Id, "&after=4&before=7")).Should().Equal(5, 6);
        Seqs(await http.HistoryAsync(channel.Id, "&after=12")).Should().BeEmpty();
        MessagingApi.Text((await http.HistoryAsync(channel.Id, "&limit=1"))[0]).Should().Be("m12");

        foreach (var bad in new[] { "&limit=0", "&limit=1001", "&limit=-5", "&before=-1", "&after=abc", "&limit=lots" })
        {
            var response = await http.GetAsync($"/history?channel_id={channel.Id}{bad}");
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, bad);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        (await http.GetAsync("/history")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.HistoryAsync(channel.Id, "&limit=1000")).Should().HaveCount(12);
    }

    [SkippableFact]
    public async Task Senders_edit_and_delete_their_own_messages_and_sockets_hear_of_it()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        await using var bobSocket = await _host.ConnectAsync(bob, 2);

        var first = await aliceHttp.SendAsync(channel.Id, "tpyo");
        var second = await aliceHttp.SendAsync(channel.Id, "regret");
        var firstId = first.GetProperty("message_id").GetString()!;
        var secondId = second.GetProperty("message_id").GetString()!;

        (await bobHttp.PutAsJsonAsync($"/messages/{firstId}", new { content = MessagingApi.B64("hijack"), type = 1 })).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await bobHttp.DeleteAsync($"/messages/{firstId}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await aliceHttp.DeleteAsync($"/messages/{Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await aliceHttp.PutAsJsonAsync($"/messages/{firstId}", new { content = "%%%", type = 1 })).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var edit = await aliceHttp.PutAsJsonAsync($"/messages/{firstId}", new { content = MessagingApi.B64("typo"), type = 1 });
        edit.StatusCode.Should().Be(HttpStatusCode.OK);
        (await aliceHttp.DeleteAsync($"/messages/{secondId}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await aliceHttp.PutAsJsonAsync($"/messages/{secondId}", new { content = MessagingApi.B64("undo"), type = 1 })).StatusCode.Should().Be(HttpStatusCode.Conflict);

        var history = await bobHttp.HistoryAsync(channel.Id);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(1, 2);
        MessagingApi.Text(history[0]).Should().Be("typo");
        history[0].GetProperty("edited_at").GetInt64().Should().BePositive();
        history[1].GetProperty("deleted").GetBoolean().Should().BeTrue();
        history[1].GetProperty("content").GetString().Should().BeEmpty();

        var updated = await bobSocket.ReceiveEventAsync("message_updated");
        updated.GetProperty("id").GetString().Should().Be(firstId);
        MessagingApi.Text(updated).Should().Be("typo");
        var deleted = await bobSocket.ReceiveEventAsync("message_deleted");
        deleted.GetProperty("id").GetString().Should().Be(secondId);
        deleted.GetProperty("seq").GetInt64().Should().Be(2);
    }

    [SkippableFact]
    public async Task Channel_administration_commands_validate_and_notify()
    {
        Fixture.Require();
        var info = await _host.CreateChannelAsync(ChannelTypes.Private, "Projects-" + Guid.NewGuid().ToString("N")[..6]);
        info.Type.Should().Be("private");
        var duplicate = async () => await _host.CreateChannelAsync(ChannelTypes.Public, info.Name.ToUpperInvariant());
        (await duplicate.Should().ThrowAsync<Modules.Contracts.Errors.AppException>()).Which.Status.Should().Be(409);
        var badType = async () => await _host.CreateChannelAsync("dm", "x" + Guid.NewGuid().ToString("N")[..6]);
        await badType.Should().ThrowAsync<FluentValidation.ValidationException>();

        var user = await _host.CreateUserAsync();
        var unknownUser = async () => await _host.AddMemberAsync(info.Id, Guid.NewGuid().ToString());
        (await unknownUser.Should().ThrowAsync<Modules.Contracts.Errors.AppException>()).Which.Status.Should().Be(404);
        await _host.AddMemberAsync(info.Id, user.Id);
        var members = await _host.BusAsync(s => s.Send(new ListChannelMembers(info.Id)));
        members.Select(m => m.UserId).Should().Equal(user.Id);
        (await _host.BusAsync(s => s.Send(new GetChannel(info.Id))))!.MemberCount.Should().Be(1);

        await _host.BusAsync(async s => { await s.Send(new DeleteChannel(info.Id, "test-admin")); return 0; });
        (await _host.BusAsync(s => s.Send(new GetChannel(info.Id)))).Should().BeNull();
        (await _host.Messaging(user).GetAsync($"/history?channel_id={info.Id}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        var general = async () => await _host.BusAsync(async s => { await s.Send(new DeleteChannel("general", "test-admin")); return 0; });
        (await general.Should().ThrowAsync<Modules.Contracts.Errors.AppException>()).Which.Status.Should().Be(409);
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, string channelId) =>
        http.PostAsJsonAsync("/send", new { channel_id = channelId, type = 1, content = MessagingApi.B64("x") });

    private static async Task<Dictionary<string, JsonElement>> ChannelsAsync(HttpClient http)
    {
        var body = await http.GetFromJsonAsync<JsonElement>("/channels");
        return body.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
    }
}

public sealed class ChannelTestsOnSqlite(SqliteHostFixture fixture) : ChannelTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class ChannelTestsOnPostgres(PostgresHostFixture fixture) : ChannelTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
