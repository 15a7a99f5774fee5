using System.Security.Cryptography;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// cluster: N nodes on one throwaway PostgreSQL database. One channel of M members; the S senders are on
/// the first node, the other sockets are spread over every node, so most deliveries cross a node. First
/// a closed-loop probe (the most the cluster delivers), then an open-loop run at the offered rate, which
/// reports send→deliver percentiles for all sockets and, apart, for the sockets on the other nodes.
/// </summary>
internal static class ClusterScenario
{
    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var nodes = Math.Clamp(options.Int("nodes", 3), 1, 8);
        var members = options.Int("members", 100);
        var senders = Math.Min(members, options.Int("senders", 4));
        var window = options.Int("window", 16);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 3);
        var jitSettle = options.Double("jit-settle", JitSettle.DefaultMaxSeconds);
        var size = options.Int("size", 128);
        var users = Math.Clamp(options.Int("users", members), 1, members);
        var probeSeconds = options.Double("probe-seconds", 10);
        var offeredDeliveries = options.Double("deliveries", 20_000);
        var rateOption = options.String("rate", "auto")!;
        var maxInFlight = options.Int("max-in-flight", 1000);
        var drainSeconds = options.Double("drain-seconds", 15);
        var hostDll = options.String("host-dll");
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        report.Parameters["nodes"] = nodes;
        report.Parameters["members"] = members;
        report.Parameters["senders"] = senders;
        report.Parameters["seconds"] = seconds;
        report.Parameters["content_bytes"] = size;
        report.Parameters["users"] = users;

        await using var database = await BenchDatabase.CreateAsync(options, poolSizePerNode: 40);
        var servers = new List<ServerUnderTest>();
        try
        {
            log.WriteLine($"   starting {nodes} nodes on PostgreSQL database {database.Name} ...");
            // One after the other: the first migrates the empty database, the others find it ready.
            foreach (var _ in Enumerable.Range(0, nodes))
            {
                servers.Add(await ServerUnderTest.StartAsync(hostDll, null, database.NodeEnvironment()));
            }

            var apis = servers.Select(s => new ZiyadApi(s)).ToList();
            log.WriteLine($"   registering {users} users on node 1 ...");
            var registered = await apis[0].CreateUsersAsync(users, $"{tag:x8}", options.Int("register-parallelism", 4), cancellationToken);

            // Senders (sockets 0..S-1) on node 1; the rest round-robin over every node.
            int NodeOf(int socket) => socket < senders ? 0 : socket % nodes;
            var target = new FanoutTarget("cluster", i => apis[NodeOf(i)].WebSocketUrl(registered[i % registered.Count]), servers[0].Pid, "general",
                i => NodeOf(i) != 0);
            report.Parameters["sockets_per_node"] = string.Join("/", Enumerable.Range(0, nodes).Select(n => Enumerable.Range(0, members).Count(i => NodeOf(i) == n)));

            double rate;
            if (rateOption == "auto")
            {
                log.WriteLine($"   probing the maximum for {probeSeconds} s ...");
                var probe = await new FanoutEngine(target, new FanoutSettings(members, senders, window, probeSeconds, warmup, size, null, maxInFlight, drainSeconds, jitSettle), new Protocol(tag, size))
                    .RunAsync(log, cancellationToken);
                report.Sections["probe (closed loop)"] = probe;
                report.Errors += (long)probe["errors"]!;
                report.Target("PostgreSQL mode acked msgs/s (3 nodes, closed loop)", ">= 5,000", (double)probe["acked_msgs_per_s"]!, v => v >= 5_000);
                rate = Math.Max(1, Math.Round(offeredDeliveries / members));
            }
            else
            {
                rate = double.Parse(rateOption, System.Globalization.CultureInfo.InvariantCulture);
            }

            report.Parameters["offered_msgs_per_s"] = rate;
            report.Parameters["offered_deliveries_per_s"] = rate * members;
            log.WriteLine($"   offering {rate:0} msgs/s ({rate * members:0} deliveries/s) for {seconds} s ...");
            var result = await new FanoutEngine(target, new FanoutSettings(members, senders, window, seconds, warmup, size, rate, maxInFlight, drainSeconds, jitSettle), new Protocol(tag + 1, size))
                .RunAsync(log, cancellationToken);
            report.Sections["cluster (open loop)"] = result;
            report.Errors += (long)result["errors"]!;
            var remote = (Dictionary<string, object?>)result["remote_deliver_latency"]!;
            report.Target("cross-node send->deliver p99", "<= 20 ms", remote["p99_ms"] as double?, v => v <= 20);
            foreach (var api in apis)
            {
                api.Dispose();
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }
}
