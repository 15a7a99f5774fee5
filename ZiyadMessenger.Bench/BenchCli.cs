using ZiyadMessenger.Bench.Infrastructure;
using ZiyadMessenger.Bench.Relay;
using ZiyadMessenger.Bench.Scenarios;

namespace ZiyadMessenger.Bench;

/// <summary>One command per scenario; each prints a table and writes the figures as JSON.</summary>
internal static class BenchCli
{
    public const string Usage = """
        Ziyad Messenger load generator. Drives a server only through its public protocol.

        usage: ZiyadMessenger.Bench <scenario> [options]

        scenarios:
          fanout       1 channel x M members, S senders as fast as acks allow; then the bare relay baseline
                       --members 100 --senders 4 --window 16 --seconds 20 --warmup 3 --size 128 --users M
                       [--words: text content, so the full-text index and mention parser do real work]
                       --relay yes|no|only --drain-seconds 15 (after sending stops, how long deliveries may take)
                       --jit-settle 60: after --warmup, keep the load on until the server's tiered JIT has been
                       quiet for 3 s, for at most this many seconds (0: measure right after --warmup); also send,
                       latency and cluster
          send         the fanout load with text content against two builds in one session, A B B A per round
                       (A: --baseline-dll PATH, B: --host-dll or this Release build); both figures and the
                       difference of acked and delivered msgs/s (bench/run.sh send --baseline GIT-REF builds A)
                       --rounds 1 --members 100 --senders 4 --window 16 --seconds 15 --users M
          latency      the same sockets at a fixed offered load; send->deliver percentiles
                       --rate auto|<msgs/s> (auto: half the maximum, probed first) --probe-seconds 10
          connections  N idle authenticated WebSockets over U users; connect rate, RSS per socket
                       --sockets 10000 --users 50 --parallel 64 --hold 10 [--relay: on the bare relay instead]
                       [--heap: what one socket keeps alive in the server's heap, by type (--heap-top 40)]
          history      a channel of N messages; newest page and deep before= pages
                       --messages 1000000 --requests 200 --limit 100 --fill-senders 8 --fill-window 64
          search       N text messages (a common word in ~30%, a rare one in 1 of 100,000); GET /search p50/p99
                       --messages 1000000 --requests 200 --limit 20 --fill-senders 8 --fill-window 64
          files        upload then download (with key) of one large file; MB/s each way, peak RSS
                       --size-mb 1024 --verify yes
          startup      process start to all seven /health answers; idle RSS
                       --runs 3 --settle 5
          cluster      N nodes on one PostgreSQL database; senders on node 1, the other sockets spread over
                       every node; closed-loop probe, then --deliveries/s offered: cross-node p50/p99
                       --nodes 3 --members 100 --senders 4 --deliveries 20000 --rate auto|<msgs/s> --seconds 20

        the server (all scenarios):
          default      start the Release build of ZiyadMessenger.Host as a child process on free ports with
                       a temporary data directory (--host-dll PATH to choose the build, --data-dir DIR to
                       keep and reuse its data, --server-env K=V,K=V to set its environment for an experiment)
          --store postgres  run it on a throwaway PostgreSQL database (made with --pg CONNECTION, default
                       $ZIYAD_BENCH_POSTGRES or the local role .ci/postgres makes; dropped after the run)
          --attach     use a running server: --host 127.0.0.1 --ports Auth=8086,Messaging=8081,Files=8082
                       [--pid N to read its CPU and RSS from /proc]

        output: a table on stdout and JSON in --out FILE (default bench-results/<scenario>-<time>.json)
        exit code: 0 when the run saw no errors, 2 when it saw some, 1 when it could not run
        """;

    public static async Task<int> MainAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        try
        {
            var report = await RunAsync(args, output, cancellationToken);
            return report is null ? 0 : report.Errors == 0 ? 0 : 2;
        }
        catch (Exception e) when (e is BenchException or ArgumentException or FileNotFoundException or TimeoutException or InvalidOperationException or HttpRequestException or System.Net.WebSockets.WebSocketException)
        {
            output.WriteLine($"bench: {e.Message}");
            return 1;
        }
    }

    /// <summary>Runs one scenario and returns its report (null for help and the relay server mode).</summary>
    public static async Task<BenchReport?> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return null;
        }

        var scenario = args[0];
        var options = new BenchOptions(args.Skip(1));
        if (scenario == "relay-server")
        {
            await RelayServer.RunAsync(options.Int("port", 8181), cancellationToken);
            return null;
        }

        var report = new BenchReport(scenario, args);
        var outFile = options.String("out") ?? Path.Combine("bench-results", $"{scenario}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");
        Func<Task> run = scenario switch
        {
            "fanout" => () => FanoutScenario.RunAsync(report, options, output, latencyMode: false, cancellationToken),
            "latency" => () => FanoutScenario.RunAsync(report, options, output, latencyMode: true, cancellationToken),
            "startup" => () => StartupScenario.RunAsync(report, options, output, cancellationToken),
            "connections" => () => ConnectionsScenario.RunAsync(report, options, output, cancellationToken),
            "history" => () => HistoryScenario.RunAsync(report, options, output, cancellationToken),
            "search" => () => SearchScenario.RunAsync(report, options, output, cancellationToken),
            "send" => () => SendComparisonScenario.RunAsync(report, options, output, cancellationToken),
            "files" => () => FilesScenario.RunAsync(report, options, output, cancellationToken),
            "cluster" => () => ClusterScenario.RunAsync(report, options, output, cancellationToken),
            _ => throw new ArgumentException($"Unknown scenario '{scenario}'.\n\n{Usage}"),
        };

        output.WriteLine($"bench {scenario}: started {DateTime.UtcNow:u}, load average {ProcStats.LoadAverage()}");
        await run();
        report.Machine["loadavg_end"] = ProcStats.LoadAverage();
        var unread = options.Unread();
        if (unread.Count > 0)
        {
            report.Notes.Add("ignored options: " + string.Join(", ", unread.Select(u => "--" + u)));
        }

        report.Print(output);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        await File.WriteAllTextAsync(outFile, report.ToJson(), cancellationToken);
        output.WriteLine($"figures written to {outFile}");
        return report;
    }
}
