using System.Text.Json;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

public sealed class SlowConsumerTests
{
    [Fact]
    public async Task A_socket_that_cannot_keep_up_is_closed_without_gaps_and_catches_up_from_history()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Messaging:SocketQueueFrames"] = "32",
        });
        var sender = await host.CreateUserAsync();
        var sleeper = await host.CreateUserAsync();
        var channel = await host.CreateChannelAsync();

        // The slow client connects and then does not read at all.
        await using var slow = await host.ConnectAsync(sleeper, 1, read: false);

        // About 30 MB of messages, more than the socket buffers between the server and the client hold,
        // sent over HTTP by several workers (a sending socket would be a reader of the channel too).
        const int total = 600;
        var filler = new string('z', 48 * 1024);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var http = host.Messaging(sender);
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                await http.SendAsync(channel.Id, $"{i}:{filler}", $"f{i}");
            }
        })));

        // Now the sleeper wakes up: it gets what was queued for it, in order, then the server's close.
        var received = await slow.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        var seqs = received.Where(f => f.GetProperty("channel_id").GetString() == channel.Id).Select(f => f.GetProperty("seq").GetInt64()).ToList();
        seqs.Count.Should().BeLessThan(total, "the server must have given up on the slow socket");
        seqs.Should().Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), "what did arrive has no gaps");

        // Reconnect and catch up with history?after=<last seq>: nothing is missed.
        var last = seqs.Count == 0 ? 0 : seqs[^1];
        using var http = host.Messaging(sleeper);
        var rest = new List<JsonElement>();
        while (true)
        {
            var page = await http.HistoryAsync(channel.Id, $"&after={last}&limit=200");
            if (page.Count == 0)
            {
                break;
            }

            rest.AddRange(page);
            last = page[^1].GetProperty("seq").GetInt64();
        }

        seqs.Concat(rest.Select(m => m.GetProperty("seq").GetInt64())).Should().Equal(Enumerable.Range(1, total).Select(i => (long)i));
                await using var again = await host.ConnectAsync(sleeper, 1);
        again.State.Should().Be(System.Net.WebSockets.WebSocketState.Open);
    }
}
