using System.Text.Json;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>
/// Sends that reach the writer together are committed together. Whatever ends up in one batch — repeats of
/// a client_msg_id, repeats of one stored earlier, several channels, a channel that is gone — each send
/// must get the answer it would get alone, and every channel must stay gap-free.
/// </summary>
public abstract class BatchedSendTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    private sealed record Send(string Sender, string Channel, string? ClientMsgId, string Text);

    [SkippableFact]
    public async Task A_burst_mixing_repeats_channels_and_a_deleted_channel_answers_each_send_as_if_it_were_alone()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var one = (await _host.CreateChannelAsync()).Id;
        var two = (await _host.CreateChannelAsync()).Id;
        var gone = (await _host.CreateChannelAsync()).Id;

        // Stored in an earlier batch: repeating it later must answer with this message.
        var early = await _host.Messaging(alice).SendAsync(one, "early", "early");

        // The channel disappears from the database while the server still accepts sends for it: exactly what a
        // send sees when the channel is deleted while it waits for the writer.
        await using (var db = await StoreSql.OpenAsync(Fixture))
        {
            (await StoreSql.ExecuteAsync(db, "DELETE FROM messaging_channels WHERE \"Id\" = @id", ("id", gone))).Should().Be(1);
        }

        var sends = new List<Send>();
        for (var r = 0; r < 15; r++)
        {
            void Add(TestUser user, string channel, string? key) => sends.Add(new Send(user.Id, channel, key, $"{(user == alice ? "alice" : "bob")}-{sends.Count}"));
            Add(alice, one, $"k1-{r}");
            Add(alice, gone, $"k2-{r}");   // 404: stores nothing, so ...
            Add(alice, two, $"k2-{r}");    // ... this one is the first k2 and is stored
            Add(alice, one, $"k1-{r}");    // repeat of the first one of this round
            Add(alice, two, r == 0 ? "early" : null);
            Add(alice, gone, $"k3-{r}");
            Add(alice, one, $"k3-{r}");
            Add(alice, two, $"k2-{r}");
            Add(bob, one, $"k1-{r}");      // another sender's k1 is another message
            Add(bob, two, $"k1-{r}");
            Add(bob, gone, null);
        }

        // Expected answers, from the rules alone: the first send of a (sender, client_msg_id) to a channel
        // that exists is stored; later ones are acknowledged with it; sends to the deleted channel are 404.
        var firstOf = new Dictionary<(string, string), int>();
        var expectedStored = new List<int>();
        foreach (var (send, i) in sends.Select((s, i) => (s, i)))
        {
            if (send.Channel == gone || (send.ClientMsgId is { } key && (firstOf.ContainsKey((send.Sender, key)) || key == "early")))
            {
                continue;
            }

            if (send.ClientMsgId is { } first)
            {
                firstOf[(send.Sender, first)] = i;
            }

            expectedStored.Add(i);
        }

        await using var aliceSocket = await _host.ConnectAsync(alice, 2);
        await using var bobSocket = await _host.ConnectAsync(bob, 2);
        var sockets = new Dictionary<string, WsClient> { [alice.Id] = aliceSocket, [bob.Id] = bobSocket };
        // Everything goes out before any answer is read, so the writer finds many sends waiting at once.
        await Task.WhenAll(sockets.Select(pair => Task.Run(async () =>
        {
            foreach (var send in sends.Where(s => s.Sender == pair.Key))
            {
                await pair.Value.SendJsonAsync(new { @event = "send", data = new { channel_id = send.Channel, type = 1, content = MessagingApi.B64(send.Text), client_msg_id = send.ClientMsgId } });
            }
        })));

        var answers = new Dictionary<string, List<JsonElement>>();
        foreach (var (userId, socket) in sockets)
        {
            var list = answers[userId] = [];
            var expected = sends.Count(s => s.Sender == userId);
            while (list.Count < expected)
            {
                var frame = await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
                if (frame.GetProperty("event").GetString() is "ack" or "error")
                {
                    list.Add(frame);
                }
            }
        }

        // Per (sender, client_msg_id): the 404s, then one stored message that every other ack names.
        foreach (var group in sends.GroupBy(s => (s.Sender, s.ClientMsgId)))
        {
            var (sender, key) = group.Key;
            var frames = answers[sender].Where(f => ClientMsgId(f.GetProperty("data")) == key).ToList();
            frames.Should().HaveCount(group.Count(), "every send of {0} is answered once", key);
            var errors = frames.Where(f => f.GetProperty("event").GetString() == "error").Select(f => f.GetProperty("data")).ToList();
            var acks = frames.Where(f => f.GetProperty("event").GetString() == "ack").Select(f => f.GetProperty("data")).ToList();
            errors.Should().HaveCount(group.Count(s => s.Channel == gone), "sends of {0} to the deleted channel fail", key);
            errors.Should().NotContain(e => e.GetProperty("status").GetInt32() != 404);
            if (key is null)
            {
                acks.Should().HaveCount(group.Count(s => s.Channel != gone));
                acks.Should().NotContain(a => a.GetProperty("duplicate").GetBoolean());
                continue;
            }

            if (key == "early")
            {
                acks.Should().ContainSingle().Which.GetProperty("message_id").GetString().Should().Be(early.GetProperty("message_id").GetString());
                acks[0].GetProperty("duplicate").GetBoolean().Should().BeTrue();
                acks[0].GetProperty("channel_id").GetString().Should().Be(one);
                continue;
            }

            var stored = sends[firstOf[(sender, key)]];
            acks.Should().HaveCount(group.Count(s => s.Channel != gone));
            acks.Select(a => a.GetProperty("message_id").GetString()).Distinct().Should().ContainSingle("all sends of {0} name one message", key);
            acks.Select(a => a.GetProperty("seq").GetInt64()).Distinct().Should().ContainSingle();
            acks.Should().OnlyContain(a => a.GetProperty("channel_id").GetString() == stored.Channel);
            acks.Count(a => !a.GetProperty("duplicate").GetBoolean()).Should().Be(1);
        }

        // History: gap-free in both channels, exactly the stored sends, each (sender, client_msg_id) once,
        // and each sender's messages in the order they were sent.
        using var http = _host.Messaging(alice);
        var everything = new List<JsonElement>();
        foreach (var channel in new[] { one, two })
        {
            var history = await http.FullHistoryAsync(channel);
            everything.AddRange(history);
            var expectedHere = expectedStored.Select(i => sends[i]).Where(s => s.Channel == channel).ToList();
            var expectedTexts = expectedHere.Select(s => s.Text).ToList();
            if (channel == one)
            {
                expectedTexts.Insert(0, "early");
            }

            history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(Enumerable.Range(1, expectedTexts.Count).Select(i => (long)i));
            history.Select(MessagingApi.Text).Should().BeEquivalentTo(expectedTexts);
            foreach (var (sender, name) in new[] { (alice.Id, "alice"), (bob.Id, "bob") })
            {
                history.Where(m => m.GetProperty("sender_id").GetString() == sender).Select(MessagingApi.Text)
                    .Should().Equal(expectedTexts.Where(t => t.StartsWith(name + "-", StringComparison.Ordinal) || (t == "early" && name == "alice")));
            }
        }

        everything.Where(m => ClientMsgId(m) is not null)
            .GroupBy(m => (m.GetProperty("sender_id").GetString(), ClientMsgId(m)))
            .Should().OnlyContain(g => g.Count() == 1, "a client_msg_id is stored once per sender, whichever channel it went to");

        // No seq was spent on the failed or repeated sends: the next message follows on directly.
        var next = await http.SendAsync(one, "after the burst");
        next.GetProperty("seq").GetInt64().Should().Be(expectedStored.Count(i => sends[i].Channel == one) + 2);
    }

    private static string? ClientMsgId(JsonElement data) =>
        data.TryGetProperty("client_msg_id", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

public sealed class BatchedSendTestsOnSqlite(SqliteHostFixture fixture) : BatchedSendTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class BatchedSendTestsOnPostgres(PostgresHostFixture fixture) : BatchedSendTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
