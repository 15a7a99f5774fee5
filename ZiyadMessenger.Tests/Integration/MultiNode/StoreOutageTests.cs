using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Xunit.Abstractions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>
/// CONTRACT §6: a node that loses PostgreSQL answers <c>/health</c> with 503 and recovers by itself; sends
/// during the outage get 503 (HTTP) or a v2 <c>error</c> with status 503, never a hang and never an ack
/// without a commit; nothing acknowledged is lost, and open sockets resume. Only this test's database is
/// cut off; the shared PostgreSQL server keeps running.
/// </summary>
[Collection(MultiNodeFaultsCollection.Name)]
public sealed class StoreOutageTests(ITestOutputHelper output)
{
    /// <summary>Longer than any answer may take: a send that gets nothing within it hangs.</summary>
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0}s {what}");

    [SkippableFact]
    public async Task When_PostgreSQL_is_unreachable_health_turns_503_sends_are_refused_then_everything_resumes_with_nothing_acked_lost()
    {
        StoreSettings.SkipUnlessPostgres();
        await using var cluster = await ThreeNodeCluster.StartAsync(count: 2);
        var (near, far) = (cluster[0], cluster[1]);
        Mark("cluster started");
        var sender = await near.CreateUserAsync("snd");
        var receiver = await far.CreateUserAsync("rcv");
        var channel = await near.CreatePrivateChannelAsync(sender, receiver);
        await using var senderSocket = await near.ConnectAsync(sender);
        await using var receiverSocket = await far.ConnectAsync(receiver);
        using var senderHttp = near.Messaging(sender);

        var acks = new List<JsonElement>();
        var refused = 0;
        var counter = 0;

        async Task<JsonElement> SendOnSocketAsync()
        {
            var id = $"o{counter++}";
            await senderSocket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel, type = 1, content = MessagingApi.B64(id), client_msg_id = id } });
            var deadline = DateTime.UtcNow + NoHang;
            while (true)
            {
                var frame = await senderSocket.ReceiveAsync(TimeSpan.FromMilliseconds(Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds)));
                var name = frame.GetProperty("event").GetString();
                if (name is "ack" or "error" && frame.GetProperty("data").GetProperty("client_msg_id").GetString() == id)
                {
                    if (name == "ack")
                    {
                        acks.Add(frame.GetProperty("data"));
                    }
                    else
                    {
                        frame.GetProperty("data").GetProperty("status").GetInt32().Should().Be(503, $"a send the store cannot take is refused as unavailable: {frame}");
                        refused++;
                    }

                    return frame;
                }
            }
        }

        for (var i = 0; i < 20; i++)
        {
            (await SendOnSocketAsync()).GetProperty("event").GetString().Should().Be("ack");
        }

        await receiverSocket.ReceiveMessagesAsync(channel, 20);
        Mark("traffic flowing");

        await cluster.Database.BeginOutageAsync();
        var outageStarted = Stopwatch.StartNew();
        Mark("database cut off");

        // Keep sending during the outage: every send is answered (ack only for what was committed before the cut, else 503).
        var sendingDuringOutage = Task.Run(async () =>
        {
            while (outageStarted.Elapsed < TimeSpan.FromSeconds(6))
            {
                await SendOnSocketAsync();
            }
        });

        foreach (var node in cluster.Nodes)
        {
            foreach (var module in ModuleNames.All)
            {
                await cluster.WaitUntilAsync(async () => await HealthAsync(node, module) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30),
                    $"{module} /health on {node} answers 503 while PostgreSQL is unreachable");
            }
        }

        Mark($"every /health is 503 after {outageStarted.Elapsed.TotalSeconds:0.0} s");
        var httpSend = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(NoHang))
        {
            var response = await senderHttp.PostAsJsonAsync("/send", new { channel_id = channel, type = 1, content = MessagingApi.B64("during"), client_msg_id = "during-http" }, timeout.Token);
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        }

        Mark($"HTTP send refused with 503 in {httpSend.Elapsed.TotalMilliseconds:0} ms");
        await sendingDuringOutage;
        refused.Should().BeGreaterThan(0, "sends during the outage are refused, not acknowledged without a commit");
        Mark($"{refused} socket sends refused with 503 during the outage");
        senderSocket.State.Should().Be(WebSocketState.Open, "the socket stays open through the outage");
        await senderSocket.ShouldAnswerPingAsync();

        await cluster.Database.EndOutageAsync();
        var recovery = Stopwatch.StartNew();
        foreach (var node in cluster.Nodes)
        {
            foreach (var module in ModuleNames.All)
            {
                await cluster.WaitUntilAsync(async () => await HealthAsync(node, module) == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
                    $"{module} /health on {node} recovers by itself once PostgreSQL is back");
            }
        }

        Mark($"every /health is 200 again {recovery.Elapsed.TotalSeconds:0.0} s after the database came back");

        // The same sockets carry on: sends are acknowledged again and reach the other node's socket.
        var before = acks.Count;
        for (var i = 0; i < 10; i++)
        {
            var frame = await SendOnSocketAsync();
            if (frame.GetProperty("event").GetString() == "error")
            {
                // A pooled connection that died in the outage may fail one send before the pool notices.
                i--;
                recovery.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "sends are accepted again soon after recovery");
            }
        }

        acks.Count.Should().Be(before + 10);
        var history = await senderHttp.FullHistoryAsync(channel);
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), "seq stays gap-free across the outage");
        var stored = history.ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("seq").GetInt64());
        foreach (var ack in acks)
        {
            stored.Should().ContainKey(ack.GetProperty("message_id").GetString()!, $"{ack} was acknowledged");
            stored[ack.GetProperty("message_id").GetString()!].Should().Be(ack.GetProperty("seq").GetInt64());
        }

        history.Select(m => m.GetProperty("client_msg_id").GetString()).Should().NotContain("during-http", "a send answered 503 was not stored");
        Mark($"{acks.Count} acked, {history.Count} stored, none lost");

        // The receiver on the other node was pushed everything committed, in order: what came before the
        // outage, whatever committed just before the cut, and what came after it.
        var pushed = await receiverSocket.ReceiveMessagesAsync(channel, history.Count - 20, TimeSpan.FromSeconds(20));
        pushed.Select(m => m.Seq()).Should().Equal(history.Skip(20).Select(m => m.GetProperty("seq").GetInt64()),
            "the receiver's socket on the other node resumes and misses nothing committed");
        receiverSocket.State.Should().Be(WebSocketState.Open);
    }

    private static async Task<HttpStatusCode> HealthAsync(ClusterNode node, string module)
    {
        using var client = node.Client(module);
        client.Timeout = TimeSpan.FromSeconds(5);
        return (await client.GetAsync("/health")).StatusCode;
    }
}
