using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

public abstract class DeliveryGuaranteeTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Each_open_socket_of_a_user_gets_every_message_once_while_others_come_and_go()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var sender = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, user.Id);
        await _host.AddMemberAsync(channel.Id, sender.Id);
        var sockets = new List<WsClient>();
        for (var i = 0; i < 6; i++)
        {
            sockets.Add(await _host.ConnectAsync(user, 2));
        }

        try
        {
            foreach (var closing in new[] { sockets[1], sockets[3], sockets[5] })
            {
                await closing.DisposeAsync();
            }

            var open = new List<WsClient> { sockets[0], sockets[2], sockets[4] };
            await _host.Messaging(sender).SendAsync(channel.Id, "first");
            var late = await _host.ConnectAsync(user, 2);
            sockets.Add(late);
            open.Add(late);
            await _host.Messaging(sender).SendAsync(channel.Id, "second");

            for (var i = 0; i < open.Count; i++)
            {
                var expected = open[i] == late ? new[] { "second" } : ["first", "second"];
                var received = new List<string>();
                foreach (var _ in expected)
                {
                    received.Add(MessagingApi.Text(await open[i].ReceiveEventAsync("message")));
                }

                var more = (await open[i].DrainAsync(TimeSpan.FromMilliseconds(300)))
                    .Where(f => f.GetProperty("event").GetString() == "message");
                received.Should().Equal(expected, $"socket {i} gets each message once, in order");
                more.Should().BeEmpty($"socket {i} gets nothing twice");
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task Concurrent_senders_get_gap_free_seq_and_every_socket_sees_seq_order()
    {
        Fixture.Require();
        var channel = await _host.CreateChannelAsync();
        const int senders = 6;
        const int perSender = 60;
        const int httpPerSender = 15;
        var users = new List<TestUser>();
        for (var i = 0; i < senders; i++)
        {
            users.Add(await _host.CreateUserAsync());
        }

        // Watchers: v1 and v2 sockets of other users, plus a second socket of a sender.
        var watcher = await _host.CreateUserAsync();
        await using var v1Watcher = await _host.ConnectAsync(watcher, 1);
        await using var v2Watcher = await _host.ConnectAsync(watcher, 2);
        await using var senderSecondSocket = await _host.ConnectAsync(users[0], 2);

        var acked = new ConcurrentBag<string>();
        var sockets = await Task.WhenAll(users.Select(u => _host.ConnectAsync(u, 2)));
        var socketSends = sockets.Select((socket, s) => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64($"s{s}-{i}"), client_msg_id = $"s{s}-{i}" } });
            }

            for (var i = 0; i < perSender; i++)
            {
                var ack = await socket.ReceiveEventAsync("ack", TimeSpan.FromSeconds(30));
                acked.Add(ack.GetProperty("message_id").GetString()!);
            }
        }));
        var httpSends = users.Select((u, s) => Task.Run(async () =>
        {
            using var http = _host.Messaging(u);
            for (var i = 0; i < httpPerSender; i++)
            {
                var sent = await http.SendAsync(channel.Id, $"h{s}-{i}");
                acked.Add(sent.GetProperty("message_id").GetString()!);
            }
        }));
        await Task.WhenAll(socketSends.Concat(httpSends));

        var total = senders * (perSender + httpPerSender);
        acked.Distinct().Should().HaveCount(total);

        var history = await _host.Messaging(watcher).FullHistoryAsync(channel.Id);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(Enumerable.Range(1, total).Select(i => (long)i));
        history.Select(m => m.GetProperty("id").GetString()).Should().BeEquivalentTo(acked);

        // Every socket that may read the channel saw every message, in seq order.
        foreach (var (socket, version) in new[] { (v1Watcher, 1), (v2Watcher, 2), (senderSecondSocket, 2) })
        {
            var seen = await CollectChannelAsync(socket, version, channel.Id, total);
            seen.Should().Equal(Enumerable.Range(1, total).Select(i => (long)i), $"a v{version} socket must see the channel in seq order");
        }

        foreach (var socket in sockets)
        {
            await socket.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task An_ack_comes_only_after_the_message_is_committed()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        await using var socket = await _host.ConnectAsync(user, 2);
        const int count = 150;
        for (var i = 0; i < count; i++)
        {
            await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64($"m{i}"), client_msg_id = $"ack-{i}" } });
        }

        // At the moment each ack arrives, another connection to the database must already see the row.
        await using var db = await StoreSql.OpenAsync(Fixture);
        for (var i = 0; i < count; i++)
        {
            var ack = await socket.ReceiveEventAsync("ack");
            var seq = await StoreSql.ScalarAsync(db, "SELECT \"Seq\" FROM messaging_messages WHERE \"Id\" = @id", ("id", ack.GetProperty("message_id").GetString()!));
            seq.Should().NotBeNull("the ack for {0} came before its commit", ack.GetProperty("client_msg_id").GetString());
            ((long)seq!).Should().Be(ack.GetProperty("seq").GetInt64());
        }

        using var http = _host.Messaging(user);
        var sent = await http.SendAsync(channel.Id, "over http");
        Convert.ToInt64(await StoreSql.ScalarAsync(db, "SELECT COUNT(*) FROM messaging_messages WHERE \"Id\" = @id", ("id", sent.GetProperty("message_id").GetString()!)))
            .Should().Be(1);
        sent.GetProperty("success").GetBoolean().Should().BeTrue();
        sent.GetProperty("seq").GetInt64().Should().Be(count + 1);
    }

    [SkippableFact]
    public async Task A_resent_client_msg_id_is_stored_once_and_acknowledged_with_the_first_message()
    {
        Fixture.Require();
        var user = await _host.CreateUserAsync();
        var other = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        await using var socket = await _host.ConnectAsync(user, 2);

        // Five copies back to back (likely in one batch), then once more over HTTP, then again later.
        for (var i = 0; i < 5; i++)
        {
            await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("once"), client_msg_id = "dup-1" } });
        }

        var acks = new List<JsonElement>();
        for (var i = 0; i < 5; i++)
        {
            acks.Add(await socket.ReceiveEventAsync("ack"));
        }

        using var http = _host.Messaging(user);
        var viaHttp = await http.SendAsync(channel.Id, "once", "dup-1");
        await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("once"), client_msg_id = "dup-1" } });
        acks.Add(await socket.ReceiveEventAsync("ack"));

        var firstId = acks[0].GetProperty("message_id").GetString();
        acks.Select(a => a.GetProperty("message_id").GetString()).Should().AllBe(firstId);
        acks.Select(a => a.GetProperty("seq").GetInt64()).Should().AllBeEquivalentTo(1L);
        acks.Count(a => a.GetProperty("duplicate").GetBoolean()).Should().Be(acks.Count - 1);
        viaHttp.GetProperty("message_id").GetString().Should().Be(firstId);
        viaHttp.GetProperty("duplicate").GetBoolean().Should().BeTrue();

        // The same client_msg_id from another sender is another message.
        var theirs = await _host.Messaging(other).SendAsync(channel.Id, "mine", "dup-1");
        theirs.GetProperty("message_id").GetString().Should().NotBe(firstId);

        var history = await http.HistoryAsync(channel.Id);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(1, 2);
        history[0].GetProperty("client_msg_id").GetString().Should().Be("dup-1");
    }

    [SkippableFact]
    public async Task Every_socket_of_every_reader_gets_the_message_the_senders_own_included()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var outsider = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(Modules.Contracts.Messaging.ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);

        await using var alice1 = await _host.ConnectAsync(alice, 1);
        await using var alice2 = await _host.ConnectAsync(alice, 2);
        await using var bob1 = await _host.ConnectAsync(bob, 1);
        await using var outsiderSocket = await _host.ConnectAsync(outsider, 2);

        var sent = await _host.Messaging(alice).SendAsync(channel.Id, "members only");
        var id = sent.GetProperty("message_id").GetString();
        (await alice1.ReceiveAsync()).GetProperty("id").GetString().Should().Be(id);
        (await alice2.ReceiveEventAsync("message")).GetProperty("id").GetString().Should().Be(id);
        (await bob1.ReceiveAsync()).GetProperty("id").GetString().Should().Be(id);

        // The outsider learns nothing: after a public message it can see, the private one never came.
        var marker = await _host.Messaging(alice).SendAsync("general", "public marker");
        var seen = await outsiderSocket.ReceiveEventAsync("message");
        seen.GetProperty("id").GetString().Should().Be(marker.GetProperty("message_id").GetString());
    }

    private static async Task<List<long>> CollectChannelAsync(WsClient socket, int version, string channelId, int count)
    {
        var seqs = new List<long>();
        while (seqs.Count < count)
        {
            var frame = await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
            if (version == 2)
            {
                if (frame.GetProperty("event").GetString() != "message")
                {
                    continue;
                }

                frame = frame.GetProperty("data");
            }

            if (frame.GetProperty("channel_id").GetString() == channelId)
            {
                seqs.Add(frame.GetProperty("seq").GetInt64());
            }
        }

        return seqs;
    }
}

public sealed class DeliveryGuaranteeTestsOnSqlite(SqliteHostFixture fixture) : DeliveryGuaranteeTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class DeliveryGuaranteeTestsOnPostgres(PostgresHostFixture fixture) : DeliveryGuaranteeTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
