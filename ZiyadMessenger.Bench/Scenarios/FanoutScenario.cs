using System.Security.Cryptography;
using ZiyadMessenger.Bench.Infrastructure;
using ZiyadMessenger.Bench.Relay;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// fanout: one channel, M members connected, S senders sending as fast as acks allow; then the same
/// load on the bare relay. latency: the same sockets at a fixed offered load (default: half the
/// maximum measured just before), reporting send→deliver percentiles.
/// </summary>
internal static class FanoutScenario
{
    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, bool latencyMode, CancellationToken cancellationToken)
    {
        var members = options.Int("members", 100);
        var senders = Math.Min(members, options.Int("senders", 4));
        var window = options.Int("window", 16);
        var seconds = options.Double("seconds", latencyMode ? 30 : 20);
        var warmup = options.Double("warmup", 3);
        var jitSettle = options.Double("jit-settle", JitSettle.DefaultMaxSeconds);
        var size = options.Int("size", 128);
        var users = Math.Clamp(options.Int("users", members), 1, members);
        var channel = options.String("channel", "general")!;
        var relayMode = options.String("relay", latencyMode ? "no" : "yes")!; // yes | no | only
        var rateOption = options.String("rate", "auto")!;
        var probeSeconds = options.Double("probe-seconds", 10);
        var maxInFlight = options.Int("max-in-flight", 1000);
        // How long to wait, after sending stops, for every answer and delivery before counting the rest as lost.
        var drainSeconds = options.Double("drain-seconds", 15);
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        var protocol = new Protocol(tag, size, options.Flag("words"));
        report.Parameters["members"] = members;
        report.Parameters["senders"] = senders;
        report.Parameters["window"] = window;
        report.Parameters["seconds"] = seconds;
        report.Parameters["warmup"] = warmup;
        report.Parameters["content_bytes"] = protocol.ContentBytes;
        report.Parameters["users"] = users;
        report.Parameters["channel"] = channel;
        report.Parameters["words"] = options.Flag("words");

        double? serverDeliveries = null;
        if (relayMode != "only")
        {
            await using var server = await ServerUnderTest.FromOptionsAsync(options);
            using var api = new ZiyadApi(server);
            log.WriteLine($"   registering {users} users ...");
            var registered = await api.CreateUsersAsync(users, $"{tag:x8}", options.Int("register-parallelism", 4), cancellationToken);
            var target = new FanoutTarget("server", i => api.WebSocketUrl(registered[i % registered.Count]), server.Pid, channel);

            if (!latencyMode)
            {
                log.WriteLine($"   server: {members} sockets, {senders} senders, window {window}, {seconds} s ...");
                var result = await new FanoutEngine(target, new FanoutSettings(members, senders, window, seconds, warmup, size, null, maxInFlight, drainSeconds, jitSettle), protocol).RunAsync(log, cancellationToken);
                report.Sections["server"] = result;
                report.Errors += (long)result["errors"]!;
                serverDeliveries = (double)result["delivered_msgs_per_s"]!;
                report.Target("deliveries/s, 1 channel x 100 members", ">= 100,000", serverDeliveries, v => v >= 100_000);
            }
            else
            {
                double rate;
                if (rateOption == "auto")
                {
                    log.WriteLine($"   probing the maximum for {probeSeconds} s ...");
                    var probe = await new FanoutEngine(target, new FanoutSettings(members, senders, window, probeSeconds, warmup, size, null, maxInFlight, drainSeconds, jitSettle), protocol).RunAsync(log, cancellationToken);
                    report.Sections["probe (closed loop)"] = probe;
                    report.Errors += (long)probe["errors"]!;
                    rate = Math.Max(1, Math.Round((double)probe["acked_msgs_per_s"]! / 2));
                }
                else
                {
                    rate = double.Parse(rateOption, System.Globalization.CultureInfo.InvariantCulture);
                }

                report.Parameters["offered_msgs_per_s"] = rate;
                log.WriteLine($"   offering {rate:0} msgs/s ({rate * members:0} deliveries/s) for {seconds} s ...");
                protocol = new Protocol(tag + 1, size);
                var result = await new FanoutEngine(target, new FanoutSettings(members, senders, window, seconds, warmup, size, rate, maxInFlight, drainSeconds, jitSettle), protocol).RunAsync(log, cancellationToken);
                report.Sections["server (open loop)"] = result;
                report.Errors += (long)result["errors"]!;
                var p99 = ((Dictionary<string, object?>)result["deliver_latency"]!)["p99_ms"] as double?;
                report.Target("send->deliver p99 at half the maximum load", "<= 25 ms", p99, v => v <= 25);
            }
        }

        if (!latencyMode && relayMode != "no")
        {
            await using var relay = await RelayProcess.StartAsync();
            log.WriteLine($"   relay: {members} sockets, {senders} senders, window {window}, {seconds} s ...");
            var relayProtocol = new Protocol(tag + 2, size);
            var target = new FanoutTarget("relay", _ => relay.SocketUrl, relay.Pid, channel);
            var result = await new FanoutEngine(target, new FanoutSettings(members, senders, window, seconds, warmup, size, null, maxInFlight, drainSeconds, jitSettle), relayProtocol).RunAsync(log, cancellationToken);
            report.Sections["relay (baseline)"] = result;
            report.Errors += (long)result["errors"]!;
            var relayDeliveries = (double)result["delivered_msgs_per_s"]!;
            if (serverDeliveries is { } sd && relayDeliveries > 0)
            {
                var ratio = Math.Round(100 * sd / relayDeliveries, 1);
                report.Section("ratio")["server_vs_relay_deliveries_pct"] = ratio;
                if (report.Sections["server"].GetValueOrDefault("delivered_per_server_cpu_s") is double serverPerCpu
                    && result.GetValueOrDefault("delivered_per_server_cpu_s") is double relayPerCpu && relayPerCpu > 0)
                {
                    report.Section("ratio")["server_vs_relay_deliveries_per_cpu_s_pct"] = Math.Round(100 * serverPerCpu / relayPerCpu, 1);
                }

                report.Target("server deliveries/s vs bare relay", ">= 50 %", ratio, v => v >= 50);
            }
        }
    }
}
