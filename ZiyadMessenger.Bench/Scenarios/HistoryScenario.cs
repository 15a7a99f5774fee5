using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// history: a channel holding N messages (filled through the WebSocket with many senders when it holds
/// fewer; <c>--data-dir</c> keeps a filled store for the next run), then pages of <c>limit</c> messages:
/// the newest, and <c>before=</c> pages at fixed depths and at random depths. One request at a time,
/// so each figure is the latency of one page, not of a queue.
/// </summary>
internal static class HistoryScenario
{
    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var target = options.Long("messages", 1_000_000);
        var requests = options.Int("requests", 200);
        var limit = options.Int("limit", 100);
        var fillSenders = options.Int("fill-senders", 8);
        var fillWindow = options.Int("fill-window", 64);
        var fillSize = options.Int("fill-size", 64);
        var channel = options.String("channel", "general")!;
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        report.Parameters["messages"] = target;
        report.Parameters["requests_per_depth"] = requests;
        report.Parameters["limit"] = limit;
        report.Parameters["channel"] = channel;

        await using var server = await ServerUnderTest.FromOptionsAsync(options);
        using var api = new ZiyadApi(server);
        var users = await api.CreateUsersAsync(Math.Max(1, Math.Min(fillSenders, 8)), $"{tag:x8}", 4, cancellationToken);
        var reader = users[0];

        var lastSeq = await LastSeqAsync(api, reader, channel, cancellationToken);
        if (lastSeq < target)
        {
            var missing = target - lastSeq;
            log.WriteLine($"   the channel holds {lastSeq:#,0} messages; sending {missing:#,0} more with {fillSenders} senders ...");
            var fill = await FillAsync(api, users, channel, missing, fillSenders, fillWindow, fillSize, tag, log, cancellationToken);
            report.Sections["fill"] = fill;
            report.Errors += (long)fill["errors"]!;
            lastSeq = await LastSeqAsync(api, reader, channel, cancellationToken);
        }

        report.Section("channel")["last_seq"] = lastSeq;
        if (lastSeq < limit)
        {
            throw new BenchException($"The channel holds only {lastSeq} messages.");
        }

        // Fixed depths from the newest end, the oldest full page, and uniformly random ones.
        var depths = new List<(string Name, Func<Random, long?> Before)> { ("newest", _ => null) };
        foreach (var depth in new long[] { 1_000, 10_000, 100_000, 500_000 }.Where(d => d < lastSeq - limit))
        {
            depths.Add(($"depth {depth:#,0}", _ => lastSeq + 1 - depth));
        }

        depths.Add(("oldest page", _ => limit + 1));
        depths.Add(("random depth", r => r.NextInt64(limit + 1, lastSeq + 1)));

        var random = new Random(tag);
        var all = new LatencyRecorder(1);
        long bad = 0;
        var usage = new ResourceWindow(server.Pid);
        var worstP99 = 0.0;
        foreach (var (name, before) in depths)
        {
            var latency = new LatencyRecorder(1);
            // A few untimed requests first: the first touch of a cold page range is the disk's figure, not the server's.
            for (var i = -3; i < requests; i++)
            {
                var b = before(random);
                var query = $"/history?channel_id={Uri.EscapeDataString(channel)}&limit={limit}" + (b is { } x ? $"&before={x}" : "");
                using var request = api.Request(HttpMethod.Get, "Messaging", query, reader.Token);
                var started = Stopwatch.GetTimestamp();
                using var response = await api.Http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var micros = Protocol.MicrosSince(started);
                if (!response.IsSuccessStatusCode || !PageIsRight(body, limit, b ?? lastSeq + 1))
                {
                    bad++;
                    if (bad <= 3)
                    {
                        log.WriteLine($"   unexpected page for {query}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}");
                    }
                }

                if (i >= 0)
                {
                    latency.Record(micros);
                    all.Record(micros);
                }
            }

            var summary = latency.Summary();
            report.Section("pages")[name] = summary;
            worstP99 = Math.Max(worstP99, (double)summary["p99_ms"]!);
        }

        report.Section("pages")["all"] = all.Summary();
        foreach (var (key, value) in await usage.StopAsync())
        {
            report.Section("server while reading")[key] = value;
        }

        report.Section("pages")["wrong_pages"] = bad;
        report.Errors += bad;
        report.Target($"history page of {limit}, worst p99 over depths ({lastSeq:#,0} messages)", "<= 5 ms", worstP99, v => v <= 5);
    }

    /// <summary>limit messages (fewer only at the bottom), ascending seq, ending just before <paramref name="before"/>.</summary>
    private static bool PageIsRight(byte[] body, int limit, long before)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var items = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
            var expected = (int)Math.Min(limit, before - 1);
            return items.Count == expected
                && (items.Count == 0 || items[^1] == before - 1)
                && items.Zip(items.Skip(1)).All(p => p.Second == p.First + 1);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return false;
        }
    }

    private static async Task<long> LastSeqAsync(ZiyadApi api, BenchUser user, string channel, CancellationToken cancellationToken)
    {
        using var request = api.Request(HttpMethod.Get, "Messaging", $"/history?channel_id={Uri.EscapeDataString(channel)}&limit=1", user.Token);
        using var response = await api.Http.SendAsync(request, cancellationToken);
        await ZiyadApi.EnsureAsync(response, "history");
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return page.GetArrayLength() == 0 ? 0 : page[0].GetProperty("seq").GetInt64();
    }

    private static async Task<Dictionary<string, object?>> FillAsync(
        ZiyadApi api, List<BenchUser> users, string channel, long count, int senders, int window, int size, int tag, TextWriter log, CancellationToken cancellationToken)
    {
        var protocol = new Protocol(tag, size);
        long sent = 0, acked = 0, rejected = 0, closed = 0;
        var sockets = new List<BenchSocket>();
        for (var i = 0; i < senders; i++)
        {
            sockets.Add(await BenchSocket.ConnectAsync(api.WebSocketUrl(users[i % users.Count]), cancellationToken));
        }

        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var usage = new ResourceWindow(null);
        var clock = Stopwatch.StartNew();
        var tasks = sockets.Select((socket, i) => Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(window);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receive = socket.ReceiveAsync(frame =>
            {
                var kind = protocol.Parse(frame, out var ticks);
                if (ticks == 0)
                {
                    return;
                }

                if (kind == FrameKind.Ack)
                {
                    Interlocked.Increment(ref acked);
                    gate.Release();
                }
                else if (kind == FrameKind.Error)
                {
                    Interlocked.Increment(ref rejected);
                    gate.Release();
                }
            }, 64 * 1024, stop.Token);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
            long n = 0;
            try
            {
                while (Interlocked.Increment(ref sent) <= count)
                {
                    await gate.WaitAsync(stop.Token);
                    protocol.WriteSend(buffer, channel, i, ++n, Stopwatch.GetTimestamp());
                    await socket.SendAsync(buffer.WrittenMemory, CancellationToken.None);
                }

                // Wait for this sender's last acks.
                for (var k = 0; k < window; k++)
                {
                    if (!await gate.WaitAsync(TimeSpan.FromSeconds(30), stop.Token))
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
            }

            await stop.CancelAsync();
            if (await receive)
            {
                Interlocked.Increment(ref closed);
            }
        })).ToList();

        var progress = Task.Run(async () =>
        {
            while (!progressStop.IsCancellationRequested)
            {
                await Task.Delay(10_000, progressStop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                log.WriteLine($"   ... {Interlocked.Read(ref acked):#,0} acked ({Interlocked.Read(ref acked) / clock.Elapsed.TotalSeconds:0}/s)");
            }
        });
        await Task.WhenAll(tasks);
        await progressStop.CancelAsync();
        await progress;
        foreach (var socket in sockets)
        {
            await socket.DisposeAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var fill = await usage.StopAsync();
        return new Dictionary<string, object?>
        {
            ["messages_acked"] = acked,
            ["seconds"] = Math.Round(seconds, 1),
            ["acked_msgs_per_s"] = Math.Round(acked / seconds, 0),
            ["rejected"] = rejected,
            ["sockets_closed_by_server"] = closed,
            ["machine_cpu_busy_pct"] = fill["machine_cpu_busy_pct"],
            ["errors"] = rejected + closed + Math.Max(0, count - acked - rejected),
        };
    }
}
