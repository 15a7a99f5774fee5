using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging.TeamChat;

/// <summary>Threads: root_id on send (HTTP, v1 and v2 WebSocket), flattening, counts on the root, GET /threads and its access rules.</summary>
public abstract class ThreadTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Replies_are_ordinary_messages_that_count_on_their_root_and_a_reply_to_a_reply_joins_the_root()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);

        var root = await aliceHttp.SendAsync(channel.Id, "lunch?");
        var rootId = root.GetProperty("message_id").GetString()!;
        var first = await bobHttp.ReplyAsync(channel.Id, rootId, "yes");
        var second = await aliceHttp.ReplyAsync(channel.Id, first.GetProperty("message_id").GetString()!, "reply to the reply");
        await aliceHttp.SendAsync(channel.Id, "unrelated");

        var history = await aliceHttp.FullHistoryAsync(channel.Id);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal([1, 2, 3, 4], "replies take their own seq, so history and catch-up see them");
        history[0].GetProperty("root_id").ValueKind.Should().Be(JsonValueKind.Null);
        history[0].GetProperty("reply_count").GetInt32().Should().Be(2);
        history[0].GetProperty("last_reply_at").GetInt64().Should().Be(second.GetProperty("timestamp").GetInt64());
        history[1].GetProperty("root_id").GetString().Should().Be(rootId);
        history[2].GetProperty("root_id").GetString().Should().Be(rootId, "a reply to a reply attaches to that reply's root");
        history[3].GetProperty("root_id").ValueKind.Should().Be(JsonValueKind.Null);
        history[3].GetProperty("reply_count").GetInt32().Should().Be(0);

        var thread = await bobHttp.ThreadAsync(rootId);
        thread.GetProperty("root").GetProperty("id").GetString().Should().Be(rootId);
        thread.GetProperty("replies").EnumerateArray().Select(MessagingApi.Text).Should().Equal("yes", "reply to the reply");
        thread.GetProperty("has_more").GetBoolean().Should().BeFalse();

        // Naming a reply gives its thread.
        (await bobHttp.ThreadAsync(first.GetProperty("message_id").GetString()!)).GetProperty("root").GetProperty("id").GetString().Should().Be(rootId);

        // A deleted reply stays as a tombstone in the thread but no longer counts.
        (await bobHttp.DeleteAsync($"/messages/{first.GetProperty("message_id").GetString()}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var after = await aliceHttp.ThreadAsync(rootId);
        after.GetProperty("root").GetProperty("reply_count").GetInt32().Should().Be(1);
        after.GetProperty("replies")[0].GetProperty("deleted").GetBoolean().Should().BeTrue();
    }

    [SkippableFact]
    public async Task A_thread_pages_with_after_and_limit_in_ascending_seq()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var http = _host.Messaging(alice);
        var rootId = (await http.SendAsync(channel.Id, "root")).GetProperty("message_id").GetString()!;
        for (var i = 0; i < 7; i++)
        {
            await http.ReplyAsync(channel.Id, rootId, $"r{i}");
            // Messages outside the thread interleave with its replies.
            await http.SendAsync(channel.Id, $"other{i}");
        }

        var seen = new List<string>();
        long after = 0;
        var pages = 0;
        while (true)
        {
            var page = await http.ThreadAsync(rootId, $"?after={after}&limit=3");
            var replies = page.GetProperty("replies").EnumerateArray().ToList();
            replies.Count.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(replies.Select(MessagingApi.Text));
            pages++;
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }

            after = replies[^1].GetProperty("seq").GetInt64();
        }

        seen.Should().Equal(Enumerable.Range(0, 7).Select(i => $"r{i}"));
        pages.Should().Be(3);
        (await http.ThreadAsync(rootId, "?limit=1000")).GetProperty("root").GetProperty("reply_count").GetInt32().Should().Be(7);
    }

    [SkippableFact]
    public async Task Root_id_works_on_v1_and_v2_sockets_and_the_v2_message_event_carries_it()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        using var http = _host.Messaging(alice);
        var rootId = (await http.SendAsync(channel.Id, "root")).GetProperty("message_id").GetString()!;

        await using var v2 = await _host.ConnectAsync(alice, 2);
        await using var v1 = await _host.ConnectAsync(alice, 1);
        await v2.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("from v2"), root_id = rootId, client_msg_id = "t-v2" } });
        // The message event and the ack may come in either order.
        var frames = new List<JsonElement> { await NextNotPresenceAsync(v2), await NextNotPresenceAsync(v2) };
        frames.Select(f => f.GetProperty("event").GetString()).Should().BeEquivalentTo(["ack", "message"]);
        frames.Single(f => f.GetProperty("event").GetString() == "ack").GetProperty("data").GetProperty("client_msg_id").GetString().Should().Be("t-v2");
        var pushed = frames.Single(f => f.GetProperty("event").GetString() == "message").GetProperty("data");
        pushed.GetProperty("root_id").GetString().Should().Be(rootId);
        pushed.GetProperty("reactions").GetArrayLength().Should().Be(0);

        var bare = await v1.ReceiveAsync();
        bare.TryGetProperty("event", out _).Should().BeFalse("v1 sockets get bare message objects");
        bare.GetProperty("root_id").GetString().Should().Be(rootId);

        await v1.SendJsonAsync(new { channel_id = channel.Id, type = 2, content = MessagingApi.B64("from v1"), nonce = "", signature = "", root_id = rootId });
        var echoed = await v1.ReceiveAsync();
        MessagingApi.Text(echoed).Should().Be("from v1");
        echoed.GetProperty("root_id").GetString().Should().Be(rootId);

        var thread = await http.ThreadAsync(rootId);
        thread.GetProperty("replies").EnumerateArray().Select(MessagingApi.Text).Should().Equal("from v2", "from v1");
    }

    private static async Task<JsonElement> NextNotPresenceAsync(WsClient socket)
    {
        while (true)
        {
            var frame = await socket.ReceiveAsync();
            if (frame.GetProperty("event").GetString() != "presence")
            {
                return frame;
            }
        }
    }

    [SkippableFact]
    public async Task An_unknown_or_other_channel_root_is_400_everywhere()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var mine = await _host.CreateChannelAsync(ChannelTypes.Private);
        var other = await _host.CreateChannelAsync(ChannelTypes.Private);
        var hidden = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(mine.Id, alice.Id);
        await _host.AddMemberAsync(other.Id, alice.Id);
        await _host.AddMemberAsync(hidden.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        var otherRoot = (await aliceHttp.SendAsync(other.Id, "elsewhere")).GetProperty("message_id").GetString()!;
        var hiddenRoot = (await bobHttp.SendAsync(hidden.Id, "secret")).GetProperty("message_id").GetString()!;

        var random = new Random(12);
        var roots = new List<string> { otherRoot, hiddenRoot, Guid.NewGuid().ToString(), "", " ", new string('x', 10_000), "dm:a:b", "%00", "\u00e9\u0301" };
        for (var i = 0; i < 10; i++)
        {
            roots.Add(new string(Enumerable.Range(0, random.Next(1, 80)).Select(_ => (char)random.Next(0x20, 0x2FFF)).ToArray()));
        }

        foreach (var root in roots)
        {
            var response = await aliceHttp.PostAsJsonAsync("/send", new { channel_id = mine.Id, type = 1, content = MessagingApi.B64("x"), root_id = root });
            await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, $"root_id '{root[..Math.Min(root.Length, 20)]}'");
        }

        await using var v2 = await _host.ConnectAsync(alice, 2);
        await v2.SendJsonAsync(new { @event = "send", data = new { channel_id = mine.Id, type = 1, content = MessagingApi.B64("x"), root_id = otherRoot, client_msg_id = "bad-root" } });
        var error = await v2.ReceiveEventAsync("error");
        error.GetProperty("status").GetInt32().Should().Be(400);
        error.GetProperty("client_msg_id").GetString().Should().Be("bad-root");

        (await aliceHttp.HistoryAsync(mine.Id)).Should().BeEmpty("nothing was stored");
    }

    [SkippableFact]
    public async Task Only_readers_see_a_thread_and_bad_paging_is_400()
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
        var rootId = (await aliceHttp.SendAsync(channel.Id, "root")).GetProperty("message_id").GetString()!;
        await bobHttp.ReplyAsync(channel.Id, rootId, "while a member");

        await (await carolHttp.GetAsync($"/threads/{rootId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "a non-member");
        await _host.RemoveMemberAsync(channel.Id, bob.Id);
        await (await bobHttp.GetAsync($"/threads/{rootId}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "a removed member");
        var reply = await bobHttp.PostAsJsonAsync("/send", new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("x"), root_id = rootId });
        await reply.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "a removed member cannot reply");

        foreach (var query in new[] { "?after=-1", "?limit=0", "?limit=1001", "?limit=abc", "?after=1e99", "?limit=-5" })
        {
            await (await aliceHttp.GetAsync($"/threads/{rootId}{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, query);
        }

        foreach (var id in new[] { Guid.NewGuid().ToString(), new string('a', 5000), "%E2%82", "..%2F..%2Fhistory" })
        {
            var response = await aliceHttp.GetAsync(new Uri($"/threads/{id}", UriKind.Relative));
            ((int)response.StatusCode).Should().BeOneOf([400, 404], id);
            await response.ShouldBeProblemAsync(response.StatusCode, id);
        }
    }
}

public sealed class ThreadTestsOnSqlite(SqliteHostFixture fixture) : ThreadTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class ThreadTestsOnPostgres(PostgresHostFixture fixture) : ThreadTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
