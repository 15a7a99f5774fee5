using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Two nodes (in-process hosts) on one PostgreSQL database: the store alone keeps seq, idempotency and DMs right.</summary>
public sealed class TwoNodeMessagingFixture : IAsyncLifetime
{
    public PostgresDatabase? Database { get; private set; }

    public TestHost A { get; private set; } = null!;

    public TestHost B { get; private set; } = null!;

    /// <summary>Public channels both nodes know from their start, one per test, so each test counts seqs from 1.</summary>
    public string SeqChannel { get; private set; } = "";

    public string ResendChannel { get; private set; } = "";

    public string NotifyChannel { get; private set; } = "";

    private readonly Queue<TestUser> _users = new();

    /// <summary>
    /// A user both nodes know. Users are made on A before B starts: a user made later reaches B's caches by
    /// the cluster bus (another part of the multi-node work), which is not what these tests are about.
    /// </summary>
    public TestUser User()
    {
        lock (_users)
        {
            return _users.Dequeue();
        }
    }

    public async Task InitializeAsync()
    {
        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is not null)
        {
            return;
        }

        Database = await PostgresServer.CreateDatabaseAsync();
        A = await TestHost.StartAsync(StoreSettings.For(Database));
        for (var i = 0; i < 24; i++)
        {
            _users.Enqueue(await A.CreateUserAsync());
        }

        SeqChannel = (await A.CreateChannelAsync()).Id;
        ResendChannel = (await A.CreateChannelAsync()).Id;
        NotifyChannel = (await A.CreateChannelAsync()).Id;

        B = await TestHost.StartAsync(StoreSettings.For(Database));
    }

    public async Task DisposeAsync()
    {
        if (Database is null)
        {
            return;
        }

        await B.DisposeAsync();
        await A.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class TwoNodeMessagingTests(TwoNodeMessagingFixture fixture) : IClassFixture<TwoNodeMessagingFixture>
{
    private static HttpClient On(TestHost node, TestUser user) => node.Client(ModuleNames.Messaging, user.Token);

    [PostgresFact]
    public async Task Senders_on_both_nodes_at_once_get_gap_free_seqs_in_each_senders_order()
    {
        var senders = new List<(TestHost Node, TestUser User)>();
        for (var i = 0; i < 6; i++)
        {
            senders.Add((i % 2 == 0 ? fixture.A : fixture.B, fixture.User()));
        }

        var channel = fixture.SeqChannel;
        const int perSender = 40;
        var acked = await Task.WhenAll(senders.Select(async (s, n) =>
        {
            using var http = On(s.Node, s.User);
            var seqs = new List<long>();
            for (var i = 0; i < perSender; i++)
            {
                seqs.Add((await http.SendAsync(channel, $"s{n}-{i}")).GetProperty("seq").GetInt64());
            }

            return seqs;
        }));

        foreach (var seqs in acked)
        {
            seqs.Should().BeInAscendingOrder("one sender's messages keep the order they were sent in").And.OnlyHaveUniqueItems();
        }

        var all = acked.SelectMany(s => s).Order().ToList();
        all.Should().Equal(Enumerable.Range(1, senders.Count * perSender).Select(i => (long)i), "seqs from both nodes interleave with no gap and no repeat");

        var history = await On(fixture.B, senders[0].User).FullHistoryAsync(channel);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(all);
        for (var n = 0; n < senders.Count; n++)
        {
            history.Where(m => m.GetProperty("sender_id").GetString() == senders[n].User.Id).Select(MessagingApi.Text)
                .Should().Equal(Enumerable.Range(0, perSender).Select(i => $"s{n}-{i}"));
        }
    }

    [PostgresFact]
    public async Task A_client_msg_id_resent_to_the_other_node_is_answered_with_the_first_message()
    {
        var user = fixture.User();
        using var onA = On(fixture.A, user);
        using var onB = On(fixture.B, user);
        var channel = fixture.ResendChannel;

        var first = await onA.SendAsync(channel, "only once", "resend-1");
        var again = await onB.SendAsync(channel, "only once", "resend-1");
        again.GetProperty("message_id").GetString().Should().Be(first.GetProperty("message_id").GetString());
        again.GetProperty("seq").GetInt64().Should().Be(first.GetProperty("seq").GetInt64());
        again.GetProperty("duplicate").GetBoolean().Should().BeTrue();
        first.GetProperty("duplicate").GetBoolean().Should().BeFalse();

        // Both nodes at the same moment, many times: one message each time, and both answers name it.
        for (var i = 0; i < 20; i++)
        {
            var key = $"both-{i}";
            var answers = await Task.WhenAll(onA.SendAsync(channel, key, key), onB.SendAsync(channel, key, key));
            answers[0].GetProperty("message_id").GetString().Should().Be(answers[1].GetProperty("message_id").GetString(), key);
            answers.Count(a => !a.GetProperty("duplicate").GetBoolean()).Should().Be(1, key);
        }

        var history = await onA.FullHistoryAsync(channel);
        var mine = history.Where(m => m.GetProperty("sender_id").GetString() == user.Id).ToList();
        mine.Select(MessagingApi.Text).Should().Equal(new[] { "only once" }.Concat(Enumerable.Range(0, 20).Select(i => $"both-{i}")));
        var seqs = history.Select(m => m.GetProperty("seq").GetInt64()).ToList();
        seqs.Should().Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), "a lost race leaves no gap");
    }

    [PostgresFact]
    public async Task A_dm_opened_on_both_nodes_at_once_is_one_channel_that_works_on_both()
    {
        for (var round = 0; round < 5; round++)
        {
            var alice = fixture.User();
            var bob = fixture.User();
            var responses = await Task.WhenAll(
                On(fixture.A, alice).PostAsJsonAsync("/dm", new { target_user_id = bob.Id }),
                On(fixture.B, bob).PostAsJsonAsync("/dm", new { target_user_id = alice.Id }));
            foreach (var response in responses)
            {
                response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }

            var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channel_id").GetString()));
            ids[0].Should().Be(ids[1]);

            var fromBob = await On(fixture.B, bob).SendAsync(ids[0]!, $"hi from B {round}");
            var fromAlice = await On(fixture.A, alice).SendAsync(ids[0]!, $"hi from A {round}");
            fromAlice.GetProperty("seq").GetInt64().Should().Be(fromBob.GetProperty("seq").GetInt64() + 1);
            (await On(fixture.B, alice).FullHistoryAsync(ids[0]!)).Select(MessagingApi.Text).Should().Equal($"hi from B {round}", $"hi from A {round}");
        }
    }

    [PostgresFact]
    public async Task A_committed_batch_notifies_the_other_nodes_with_each_channels_highest_seq_and_no_content()
    {
        var user = fixture.User();
        await using var listener = new NpgsqlConnection(fixture.Database!.ConnectionString);
        await listener.OpenAsync();
        var heard = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var probe = new NpgsqlConnection(fixture.Database!.ConnectionString);
        await probe.OpenAsync();
        listener.Notification += (_, e) => heard.Writer.TryWrite(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ClusterWire.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var listening = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var wait = Task.Run(async () =>
        {
            while (!listening.IsCancellationRequested)
            {
                await listener.WaitAsync(listening.Token);
            }
        });

        using var http = On(fixture.A, user);
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var sent = await http.SendAsync(fixture.NotifyChannel, secret);
        var seq = sent.GetProperty("seq").GetInt64();

        ClusterSignal? signal = null;
        while (signal is null)
        {
            var payload = await heard.Reader.ReadAsync(listening.Token);
            if (ClusterWire.TryDecode(payload, out var decoded) && decoded.Topic == "messages"
                && JsonDocument.Parse(decoded.Payload).RootElement.TryGetProperty(fixture.NotifyChannel, out var highest) && highest.GetInt64() >= seq)
            {
                payload.Should().NotContain(secret).And.NotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)));
                highest.GetInt64().Should().Be(seq, "the signal names the highest seq the batch committed");
                decoded.FromInstance.Should().NotBeNullOrWhiteSpace();
                signal = decoded;
            }
        }

        // The notification is delivered at commit: by then any connection sees the row it names.
        await using (var check = new NpgsqlCommand("SELECT count(*) FROM messaging_messages WHERE \"ChannelId\" = @channel AND \"Seq\" = @seq", probe))
        {
            check.Parameters.AddWithValue("channel", fixture.NotifyChannel);
            check.Parameters.AddWithValue("seq", seq);
            ((long)(await check.ExecuteScalarAsync())!).Should().Be(1);
        }

        await listening.CancelAsync();
        try
        {
            await wait;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
