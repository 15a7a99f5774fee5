using System.Buffers;
using System.Diagnostics;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>Where the fan-out load goes: the real server, or the bare relay, through the same client code.</summary>
/// <param name="IsRemote">For a cluster: whether socket i is on another node than the senders (its latencies are also kept apart).</param>
internal sealed record FanoutTarget(string Name, Func<int, Uri> SocketUrl, int? Pid, string ChannelId, Func<int, bool>? IsRemote = null);

/// <param name="Rate">Total messages per second offered (open loop, latency scenario); null: as fast as acks allow.</param>
internal sealed record FanoutSettings(
    int Members,
    int Senders,
    int Window,
    double Seconds,
    double Warmup,
    int ContentBytes,
    double? Rate,
    int MaxInFlight,
    double DrainSeconds = 15,
    double JitSettleMaxSeconds = JitSettle.DefaultMaxSeconds);

/// <summary>
/// M sockets in one channel; S of them also send. Every socket counts what it receives and records
/// send→deliver latency from the send time carried in the content. Closed loop: each sender keeps at
/// most <c>Window</c> messages unacknowledged. Open loop: each sender sends on a fixed schedule and
/// stamps each message with the time it was due, so a stall anywhere shows in the latency.
/// </summary>
internal sealed class FanoutEngine
{
    private readonly FanoutTarget _target;
    private readonly FanoutSettings _settings;
    private readonly Protocol _protocol;
    private readonly LatencyRecorder _deliverLatency = new();
    private readonly LatencyRecorder _remoteDeliverLatency = new();
    private readonly LatencyRecorder _ackLatency = new();
    private long _sent, _acked, _rejected, _delivered, _closedByServer, _foreign;
    private volatile bool _measuring;

    public FanoutEngine(FanoutTarget target, FanoutSettings settings, Protocol protocol)
    {
        _target = target;
        _settings = settings;
        _protocol = protocol;
    }

    public async Task<Dictionary<string, object?>> RunAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var s = _settings;
        var sockets = new BenchSocket[s.Members];
        var connectClock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, s.Members), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            sockets[i] = await BenchSocket.ConnectAsync(_target.SocketUrl(i), ct);
        });
        var connectSeconds = connectClock.Elapsed.TotalSeconds;

        using var receiveStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var windows = Enumerable.Range(0, s.Senders).Select(_ => new SemaphoreSlim(s.Rate is null ? s.Window : s.MaxInFlight)).ToArray();
        var receivers = sockets.Select((socket, i) => Task.Run(async () =>
        {
            var window = i < s.Senders ? windows[i] : null;
            var stripe = i;
            var closed = await socket.ReceiveAsync(frame => OnFrame(frame, window, stripe), 16 * 1024, receiveStop.Token);
            if (closed)
            {
                Interlocked.Increment(ref _closedByServer);
                log.WriteLine($"   [{_target.Name}] socket {i} closed by the server: {socket.CloseStatus} {socket.CloseDescription}");
            }
        })).ToArray();

        // Let the server finish registering every socket before the first message is sent.
        await Task.Delay(500, cancellationToken);

        using var sendStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var senders = Enumerable.Range(0, s.Senders).Select(i => Task.Run(() => SendLoopAsync(sockets[i], i, windows[i], sendStop.Token))).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(s.Warmup), cancellationToken);
        var settled = await JitSettle.WaitAsync(_target.Pid, s.JitSettleMaxSeconds, cancellationToken);
        var resources = new ResourceWindow(_target.Pid);
        var clock = Stopwatch.StartNew();
        var (sent0, acked0, delivered0) = (Interlocked.Read(ref _sent), Interlocked.Read(ref _acked), Interlocked.Read(ref _delivered));
        _measuring = true;
        await Task.Delay(TimeSpan.FromSeconds(s.Seconds), cancellationToken);
        _measuring = false;
        var elapsed = clock.Elapsed.TotalSeconds;
        var (sent1, acked1, delivered1) = (Interlocked.Read(ref _sent), Interlocked.Read(ref _acked), Interlocked.Read(ref _delivered));
        var usage = await resources.StopAsync();

        await sendStop.CancelAsync();
        await Task.WhenAll(senders);

        // Drain: every sent message answered, every acknowledged message delivered to every socket.
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed.TotalSeconds < s.DrainSeconds
            && (Interlocked.Read(ref _acked) + Interlocked.Read(ref _rejected) < Interlocked.Read(ref _sent)
                || Interlocked.Read(ref _delivered) < Interlocked.Read(ref _acked) * s.Members)
            && Interlocked.Read(ref _closedByServer) == 0)
        {
            await Task.Delay(50, cancellationToken);
        }

        await receiveStop.CancelAsync();
        await Task.WhenAll(receivers);
        await Task.WhenAll(sockets.Select(socket => socket.DisposeAsync().AsTask()));
        foreach (var w in windows)
        {
            w.Dispose();
        }

        var unanswered = Math.Max(0, _sent - _acked - _rejected);
        var expected = _acked * s.Members;
        var lost = Math.Max(0, expected - _delivered);
        var duplicated = Math.Max(0, _delivered - expected);
        var result = new Dictionary<string, object?>
        {
            ["acked_msgs_per_s"] = Math.Round((acked1 - acked0) / elapsed, 0),
            ["delivered_msgs_per_s"] = Math.Round((delivered1 - delivered0) / elapsed, 0),
            ["sent_msgs_per_s"] = Math.Round((sent1 - sent0) / elapsed, 0),
            ["deliver_latency"] = _deliverLatency.Summary(),
            ["ack_latency"] = _ackLatency.Summary(),
            ["sent_total"] = _sent,
            ["acked_total"] = _acked,
            ["rejected"] = _rejected,
            ["unanswered"] = unanswered,
            ["deliveries_lost"] = lost,
            ["deliveries_duplicated"] = duplicated,
            ["sockets_closed_by_server"] = _closedByServer,
            ["foreign_frames"] = _foreign,
            ["connect_seconds"] = Math.Round(connectSeconds, 2),
            ["jit_settle_seconds"] = settled.Seconds,
            ["jit_settled"] = settled.Settled,
        };
        if (_target.IsRemote is not null)
        {
            result["remote_deliver_latency"] = _remoteDeliverLatency.Summary();
        }

        foreach (var (key, value) in usage)
        {
            result[key] = value;
        }

        // Under a shared machine the server may get less CPU than it could use: work per CPU-second compares runs fairly.
        if (usage.TryGetValue("server_cpu_cores", out var cores) && cores is double c && c > 0)
        {
            result["delivered_per_server_cpu_s"] = Math.Round((delivered1 - delivered0) / elapsed / c, 0);
            result["acked_per_server_cpu_s"] = Math.Round((acked1 - acked0) / elapsed / c, 0);
        }

        result["errors"] = _rejected + unanswered + lost + duplicated + _closedByServer;
        return result;
    }

    private void OnFrame(ReadOnlySpan<byte> frame, SemaphoreSlim? window, int stripe)
    {
        var kind = _protocol.Parse(frame, out var ticks);
        if (ticks == 0)
        {
            // Presence, typing, or another client's traffic: not part of the measurement.
            Interlocked.Increment(ref _foreign);
            return;
        }

        switch (kind)
        {
            case FrameKind.Message:
                Interlocked.Increment(ref _delivered);
                if (_measuring)
                {
                    var micros = Protocol.MicrosSince(ticks);
                    _deliverLatency.Record(micros, stripe);
                    if (_target.IsRemote?.Invoke(stripe) == true)
                    {
                        _remoteDeliverLatency.Record(micros, stripe);
                    }
                }

                break;
            case FrameKind.Ack:
                Interlocked.Increment(ref _acked);
                if (_measuring)
                {
                    _ackLatency.Record(Protocol.MicrosSince(ticks), stripe);
                }

                window?.Release();
                break;
            case FrameKind.Error:
                Interlocked.Increment(ref _rejected);
                window?.Release();
                break;
            default:
                Interlocked.Increment(ref _foreign);
                break;
        }
    }

    /// <summary>Stopping cancels only the waits between sends; a frame once begun is sent whole.</summary>
    private async Task SendLoopAsync(BenchSocket socket, int sender, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(_settings.ContentBytes * 2 + 256);
        long counter = 0;
        try
        {
            if (_settings.Rate is not { } rate)
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    await window.WaitAsync(cancellationToken);
                    _protocol.WriteSend(buffer, _target.ChannelId, sender, ++counter, Stopwatch.GetTimestamp());
                    await socket.SendAsync(buffer.WrittenMemory, CancellationToken.None); // cancelling a send mid-frame aborts the socket
                    Interlocked.Increment(ref _sent);
                }

                return;
            }

            // Open loop: message n of this sender is due at start + n·interval (senders staggered).
            var interval = _settings.Senders / rate * Stopwatch.Frequency;
            var start = Stopwatch.GetTimestamp() + (long)(interval * sender / _settings.Senders);
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                long due;
                while ((due = start + (long)(interval * counter)) <= now && !cancellationToken.IsCancellationRequested)
                {
                    await window.WaitAsync(cancellationToken);
                    _protocol.WriteSend(buffer, _target.ChannelId, sender, ++counter, due);
                    await socket.SendAsync(buffer.WrittenMemory, CancellationToken.None); // cancelling a send mid-frame aborts the socket
                    Interlocked.Increment(ref _sent);
                }

                var wait = TimeSpan.FromSeconds((double)(due - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            // The server closed the socket; counted by the receive loop.
        }
    }
}
