using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using ZiyadMessenger.Bench.Infrastructure;
using ZiyadMessenger.Bench.Relay;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// connections: N idle authenticated WebSockets, spread over a few users (a user may hold several
/// sockets; registering thousands of users would measure Argon2, not sockets). Connect rate, server RSS
/// per socket, and at the end one message to the public channel that every socket must receive.
/// </summary>
internal static class ConnectionsScenario
{
    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var count = options.Int("sockets", 10_000);
        var userCount = Math.Clamp(options.Int("users", 50), 1, count);
        var parallel = options.Int("parallel", 64);
        var hold = options.Double("hold", 10);
        var channel = options.String("channel", "general")!;
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        var protocol = new Protocol(tag, 64);
        report.Parameters["sockets"] = count;
        report.Parameters["users"] = userCount;
        report.Parameters["parallel"] = parallel;
        report.Parameters["hold_seconds"] = hold;

        // --relay: the same sockets on the bare relay, to tell Kestrel's own cost per socket from the server's.
        var onRelay = options.Flag("relay");
        report.Parameters["target"] = onRelay ? "relay" : "server";
        await using var relay = onRelay ? await RelayProcess.StartAsync() : null;
        await using var server = onRelay ? null : await ServerUnderTest.FromOptionsAsync(options);
        using var api = server is null ? null : new ZiyadApi(server);
        List<BenchUser> users = [];
        if (api is not null)
        {
            log.WriteLine($"   registering {userCount} users ...");
            users = await api.CreateUsersAsync(userCount, $"{tag:x8}", options.Int("register-parallelism", 4), cancellationToken);
        }

        Func<int, Uri> url = api is null ? _ => relay!.SocketUrl : i => api.WebSocketUrl(users[i % users.Count]);
        await Task.Delay(1000, cancellationToken);
        int? pid = server is not null ? server.Pid : relay!.Pid;
        var rssBefore = pid is { } p0 ? ProcStats.Rss(p0) : 0;
        // --heap: a census of the server's live objects before the sockets and while they are held, to
        // show what one socket keeps alive, by type. Each census is a full GC, so quote RSS from runs without it.
        var heap = options.Flag("heap") && pid is not null;
        var heapBefore = heap ? HeapCensus.Take(pid!.Value, TimeSpan.FromSeconds(60)) : null;

        var sockets = new BenchSocket?[count];
        var connectLatency = new LatencyRecorder();
        long failed = 0, closedByServer = 0, received = 0, done = 0;
        string? firstFailure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receivers = new Task[count];
        log.WriteLine($"   connecting {count} sockets, {parallel} at a time ...");
        var connectWindow = new ResourceWindow(pid);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var socket = await BenchSocket.ConnectAsync(url(i), ct);
                connectLatency.Record(Protocol.MicrosSince(started), i);
                sockets[i] = socket;
                receivers[i] = Task.Run(async () =>
                {
                    var closed = await socket.ReceiveAsync(frame =>
                    {
                        if (protocol.Parse(frame, out var ticks) == FrameKind.Message && ticks != 0)
                        {
                            Interlocked.Increment(ref received);
                        }
                    }, 1024, stop.Token);
                    if (closed)
                    {
                        Interlocked.Increment(ref closedByServer);
                    }
                });
            }
            catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or HttpRequestException or IOException)
            {
                Interlocked.Increment(ref failed);
                Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                receivers[i] = Task.CompletedTask;
            }

            var n = Interlocked.Increment(ref done);
            if (n % 2000 == 0)
            {
                log.WriteLine($"   ... {n} sockets ({clock.Elapsed.TotalSeconds:0.0} s)");
            }
        });
        var connectSeconds = clock.Elapsed.TotalSeconds;
        var connectUsage = await connectWindow.StopAsync();
        var rssConnected = pid is { } p1 ? ProcStats.Rss(p1) : 0;

        log.WriteLine($"   holding {count - failed} idle sockets for {hold} s ...");
        var idleWindow = new ResourceWindow(pid);
        await Task.Delay(TimeSpan.FromSeconds(hold), cancellationToken);
        var idleUsage = await idleWindow.StopAsync();
        var rssIdle = pid is { } p2 ? ProcStats.Rss(p2) : 0;
        var open = sockets.Count(s => s is { State: System.Net.WebSockets.WebSocketState.Open });
        var heapHeld = heap ? HeapCensus.Take(pid!.Value, TimeSpan.FromSeconds(60)) : null;

        // Every open socket belongs to a user allowed to read the public channel: one message reaches all.
        var broadcastClock = Stopwatch.StartNew();
        var sender = sockets.First(s => s is not null)!;
        var frame = new ArrayBufferWriter<byte>(512);
        protocol.WriteSend(frame, channel, 0, 1, Stopwatch.GetTimestamp());
        await sender.SendAsync(frame.WrittenMemory, cancellationToken);
        while (Interlocked.Read(ref received) < open && broadcastClock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20, cancellationToken);
        }

        var broadcastSeconds = broadcastClock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(receivers.Where(r => r is not null));
        await Parallel.ForEachAsync(sockets.Where(s => s is not null), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (s, _) => await s!.DisposeAsync());

        var section = report.Section("connections");
        section["sockets_open"] = open;
        section["connect_failures"] = failed;
        section["first_failure"] = firstFailure;
        section["connect_seconds"] = Math.Round(connectSeconds, 2);
        section["connects_per_s"] = Math.Round((count - failed) / connectSeconds, 0);
        section["connect_latency"] = connectLatency.Summary();
        section["server_cpu_cores_while_connecting"] = connectUsage.GetValueOrDefault("server_cpu_cores");
        section["server_cpu_cores_idle"] = idleUsage.GetValueOrDefault("server_cpu_cores");
        section["server_rss_mb_before"] = ResourceWindow.Mb(rssBefore);
        section["server_rss_mb_connected"] = ResourceWindow.Mb(rssConnected);
        section["server_rss_mb_after_hold"] = ResourceWindow.Mb(rssIdle);
        section["server_rss_kb_per_socket"] = open > 0 ? Math.Round((rssIdle - rssBefore) / 1024.0 / open, 1) : null;
        section["broadcast_received_by"] = Interlocked.Read(ref received);
        section["broadcast_seconds_to_all"] = Math.Round(broadcastSeconds, 3);
        section["sockets_closed_by_server"] = closedByServer;
        section["machine_cpu_busy_pct"] = connectUsage.GetValueOrDefault("machine_cpu_busy_pct");
        var missing = Math.Max(0, open - Interlocked.Read(ref received));
        section["broadcast_missed_by"] = missing;
        if (heapBefore is not null && heapHeld is not null && open > 0)
        {
            ReportHeapPerSocket(report, heapBefore, heapHeld, open, options.Int("heap-top", 40));
        }

        report.Errors += failed + closedByServer + missing + (count - failed - open);
        report.Target($"{count:#,0} concurrent sockets open", $"= {count:#,0}", open, v => v >= count);
        if (pid is not null)
        {
            report.Target($"server RSS with {count:#,0} sockets", "<= 500 MB", ResourceWindow.Mb(rssIdle), v => v <= 500);
        }
    }

    private static void ReportHeapPerSocket(BenchReport report, HeapCensus.Census before, HeapCensus.Census held, int sockets, int top)
    {
        var summary = report.Section("heap");
        summary["live_mb_before_sockets"] = Math.Round(before.Bytes / 1048576.0, 1);
        summary["live_mb_with_sockets"] = Math.Round(held.Bytes / 1048576.0, 1);
        summary["live_bytes_per_socket"] = Math.Round((held.Bytes - before.Bytes) / (double)sockets, 0);
        var earlier = before.Types.GroupBy(t => t.Type, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Bytes: g.Sum(t => t.Bytes), Count: g.Sum(t => t.Count)), StringComparer.Ordinal);
        var perSocket = report.Section("heap_bytes_per_socket_by_type");
        foreach (var type in held.Types
            .GroupBy(t => t.Type, StringComparer.Ordinal)
            .Select(g => (Type: g.Key, Bytes: g.Sum(t => t.Bytes) - earlier.GetValueOrDefault(g.Key).Bytes, Count: g.Sum(t => t.Count) - earlier.GetValueOrDefault(g.Key).Count))
            .OrderByDescending(t => t.Bytes)
            .Take(top))
        {
            var name = type.Type.Length > 110 ? type.Type[..110] + "…" : type.Type;
            perSocket[name] = $"{type.Bytes / (double)sockets:0} B ({type.Count / (double)sockets:0.#} objects)";
        }
    }
}
