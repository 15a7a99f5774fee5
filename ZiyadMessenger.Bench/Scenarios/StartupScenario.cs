using System.Diagnostics;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// startup: process start until all seven listeners answer <c>GET /health</c>, on a fresh data directory
/// (migrations, signing key, first admin) and on a restart of the same one; then the idle RSS.
/// </summary>
internal static class StartupScenario
{
    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var runs = options.Int("runs", 3);
        var settle = options.Double("settle", 5);
        var hostDll = options.String("host-dll");
        report.Parameters["runs"] = runs;
        report.Parameters["settle_seconds"] = settle;
        report.Parameters["host"] = ServerUnderTest.LocateHost(hostDll);

        var cold = new List<double>();
        var warm = new List<double>();
        var idle = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var dataDirectory = Path.Combine(Path.GetTempPath(), "ziyad-bench", Guid.NewGuid().ToString("N"));
            try
            {
                foreach (var restart in new[] { false, true })
                {
                    var clock = Stopwatch.StartNew();
                    await using var server = ServerUnderTest.Launch(hostDll, dataDirectory);
                    await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
                    var ms = clock.Elapsed.TotalMilliseconds;
                    (restart ? warm : cold).Add(ms);
                    await Task.Delay(TimeSpan.FromSeconds(settle), cancellationToken);
                    var rss = ResourceWindow.Mb(ProcStats.Rss(server.Pid!.Value));
                    idle.Add(rss);
                    log.WriteLine($"   run {run + 1} {(restart ? "restart" : "first start")}: ready in {ms:0} ms, idle RSS {rss} MB");
                    await server.StopAsync();
                }
            }
            finally
            {
                try
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        var section = report.Section("startup");
        section["first_start_ms"] = Stats(cold);
        section["restart_ms"] = Stats(warm);
        section["idle_rss_mb"] = Stats(idle);
        report.Target("all seven ports answering, first start (worst)", "<= 2000 ms", cold.Max(), v => v <= 2000);
        report.Target("all seven ports answering, restart (worst)", "<= 2000 ms", warm.Max(), v => v <= 2000);
        report.Target("idle RSS (worst)", "<= 150 MB", idle.Max(), v => v <= 150);
    }

    public static Dictionary<string, object?> Stats(IReadOnlyCollection<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return new Dictionary<string, object?>
        {
            ["min"] = Math.Round(sorted[0], 1),
            ["median"] = Math.Round(sorted[sorted.Length / 2], 1),
            ["max"] = Math.Round(sorted[^1], 1),
        };
    }
}
