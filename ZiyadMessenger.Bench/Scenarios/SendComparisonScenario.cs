using System.Globalization;
using System.Security.Cryptography;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// send: the fanout load with text content (<c>--words</c>: the full-text index and the mention parser
/// do real work), run against two builds of the server in the same session, alternating A B B A per
/// round (A the baseline build, B this one), each run on a fresh server with a fresh data directory.
/// Alternating spreads a machine whose load drifts over both builds evenly; the figures of each run are
/// kept, and the comparison is made of the means: acked msgs/s, delivered msgs/s (fan-out), and both
/// per server CPU-second, which depend less on how much CPU the scheduler gave the server.
/// <c>bench/run.sh send --baseline REF</c> builds REF in a temporary worktree and passes its server as
/// <c>--baseline-dll</c>.
/// </summary>
internal static class SendComparisonScenario
{
    public const string Baseline = "baseline";
    public const string Candidate = "candidate";
    private static readonly string[] Figures = ["acked_msgs_per_s", "delivered_msgs_per_s", "acked_per_server_cpu_s", "delivered_per_server_cpu_s"];

    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var baselineDll = options.String("baseline-dll")
            ?? throw new ArgumentException("send needs --baseline-dll PATH (bench/run.sh send --baseline REF builds one).");
        var candidateDll = ServerUnderTest.LocateHost(options.String("host-dll"));
        baselineDll = ServerUnderTest.LocateHost(baselineDll);
        var rounds = Math.Max(1, options.Int("rounds", 1));
        var members = options.Int("members", 100);
        var senders = Math.Min(members, options.Int("senders", 4));
        var window = options.Int("window", 16);
        var seconds = options.Double("seconds", 15);
        var warmup = options.Double("warmup", 3);
        var jitSettle = options.Double("jit-settle", JitSettle.DefaultMaxSeconds);
        var size = options.Int("size", 128);
        var users = Math.Clamp(options.Int("users", members), 1, members);
        var drainSeconds = options.Double("drain-seconds", 15);
        var settings = new FanoutSettings(members, senders, window, seconds, warmup, size, null, options.Int("max-in-flight", 1000), drainSeconds, jitSettle);
        report.Parameters["baseline"] = options.String("baseline-label", baselineDll);
        report.Parameters["candidate"] = options.String("candidate-label", candidateDll);
        report.Parameters["order"] = string.Join(' ', Enumerable.Repeat("A B B A", rounds));
        report.Parameters["members"] = members;
        report.Parameters["senders"] = senders;
        report.Parameters["window"] = window;
        report.Parameters["seconds"] = seconds;
        report.Parameters["users"] = users;
        report.Parameters["words"] = true;

        var runs = new List<(string Build, Dictionary<string, object?> Result)>();
        var order = Enumerable.Repeat(new[] { Baseline, Candidate, Candidate, Baseline }, rounds).SelectMany(r => r).ToList();
        for (var i = 0; i < order.Count; i++)
        {
            var build = order[i];
            var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
            await using var server = await ServerUnderTest.StartAsync(build == Baseline ? baselineDll : candidateDll, null);
            using var api = new ZiyadApi(server);
            var registered = await api.CreateUsersAsync(users, $"{tag:x8}", options.Int("register-parallelism", 4), cancellationToken);
            var target = new FanoutTarget(build, u => api.WebSocketUrl(registered[u % registered.Count]), server.Pid, "general");
            log.WriteLine($"   run {i + 1}/{order.Count} ({build}, load average {ProcStats.LoadAverage()}): {members} sockets, {senders} senders, window {window}, {seconds} s ...");
            var result = await new FanoutEngine(target, settings, new Protocol(tag, size, words: true)).RunAsync(log, cancellationToken);
            result["load_average_at_start"] = ProcStats.LoadAverage();
            report.Sections[$"run {i + 1}: {build}"] = result;
            report.Errors += (long)result["errors"]!;
            runs.Add((build, result));
        }

        var comparison = report.Section("comparison (means; difference = candidate against baseline)");
        foreach (var figure in Figures)
        {
            var a = Mean(runs, Baseline, figure);
            var b = Mean(runs, Candidate, figure);
            comparison[$"{figure} baseline"] = a;
            comparison[$"{figure} candidate"] = b;
            var difference = a is > 0 && b is not null ? Math.Round(100 * (b.Value - a.Value) / a.Value, 1) : (double?)null;
            comparison[$"{figure} difference_pct"] = difference;
            comparison[$"{figure} per run"] = string.Join(", ", runs.Select(r => $"{(r.Build == Baseline ? "A" : "B")} {Format(r.Result.GetValueOrDefault(figure))}"));
        }

        report.Target("acked msgs/s against the baseline, same run", ">= -10 %", (double?)comparison["acked_msgs_per_s difference_pct"], v => v >= -10);
        report.Target("delivered msgs/s (fan-out) against the baseline, same run", ">= -10 %", (double?)comparison["delivered_msgs_per_s difference_pct"], v => v >= -10);
    }

    private static double? Mean(List<(string Build, Dictionary<string, object?> Result)> runs, string build, string figure)
    {
        var values = runs.Where(r => r.Build == build).Select(r => r.Result.GetValueOrDefault(figure)).OfType<double>().ToList();
        return values.Count == 0 ? null : Math.Round(values.Average(), 0);
    }

    private static string Format(object? value) => value is double d ? d.ToString("0", CultureInfo.InvariantCulture) : "-";
}
