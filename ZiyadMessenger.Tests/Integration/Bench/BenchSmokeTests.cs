using System.Text.Json;
using ZiyadMessenger.Bench;
using ZiyadMessenger.Bench.Infrastructure;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Bench;

/// <summary>
/// The load generator, run for seconds with tiny sizes against a real server process, so that it keeps
/// working as the server changes. These assert that figures come out and that the run saw no errors;
/// the figures themselves are measured by hand (BENCHMARKS.md), never asserted here.
/// </summary>
[Collection(BenchCollection.Name)]
public sealed class BenchSmokeTests
{
    private static async Task<(BenchReport Report, JsonElement Json, string Output)> RunAsync(params string[] args)
    {
        var outFile = Path.Combine(Path.GetTempPath(), "ziyad-tests", $"bench-{Guid.NewGuid():N}.json");
        var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        // Seconds-long runs: no waiting for the server's JIT to settle unless a test asks for it.
        string[] settle = args.Contains("--jit-settle") ? [] : ["--jit-settle", "0"];
        var report = await BenchCli.RunAsync([.. args, .. settle, "--host-dll", HostProcess.HostAssembly, "--out", outFile], output, timeout.Token);
        report.Should().NotBeNull(output.ToString());
        File.Exists(outFile).Should().BeTrue();
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)).RootElement.Clone();
        File.Delete(outFile);
        return (report!, json, output.ToString());
    }

    private static double Number(JsonElement json, string section, string key, string? inner = null)
    {
        var value = json.GetProperty("sections").GetProperty(section).GetProperty(key);
        return inner is null ? value.GetDouble() : value.GetProperty(inner).GetDouble();
    }

    [Fact]
    public async Task Startup_reports_readiness_time_and_idle_memory_of_a_real_server_process()
    {
        var (report, json, output) = await RunAsync("startup", "--runs", "1", "--settle", "0.5");

        report.Errors.Should().Be(0, output);
        Number(json, "startup", "first_start_ms", "max").Should().BeGreaterThan(0);
        Number(json, "startup", "restart_ms", "max").Should().BeGreaterThan(0);
        Number(json, "startup", "idle_rss_mb", "max").Should().BeGreaterThan(0);
        json.GetProperty("targets").GetArrayLength().Should().Be(3);
        json.GetProperty("machine").GetProperty("nproc").GetInt32().Should().Be(Environment.ProcessorCount);
    }

    [Fact]
    public async Task Fanout_on_the_bare_relay_delivers_every_acknowledged_message_to_every_socket()
    {
        var (report, json, output) = await RunAsync("fanout", "--relay", "only", "--members", "3", "--senders", "1", "--seconds", "1", "--warmup", "0.5", "--drain-seconds", "120");

        report.Errors.Should().Be(0, output);
        var acked = Number(json, "relay (baseline)", "acked_total");
        acked.Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "deliveries_lost").Should().Be(0);
        Number(json, "relay (baseline)", "delivered_msgs_per_s").Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "deliver_latency", "count").Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "server_rss_mb_peak").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Fanout_on_the_server_and_the_relay_loses_nothing_and_reports_a_ratio()
    {
        var (report, json, output) = await RunAsync("fanout", "--members", "4", "--users", "2", "--senders", "2", "--window", "4", "--seconds", "1", "--warmup", "0.5",
            "--drain-seconds", "120", "--jit-settle", "4");

        report.Errors.Should().Be(0, output);
        // The warm-up went on under load until the server's JIT was quiet, for at most the 4 s asked for
        // (it looks in windows of 3 s, so one window at least).
        Number(json, "server", "jit_settle_seconds").Should().BeInRange(3, 8, output);
        json.GetProperty("sections").GetProperty("server").GetProperty("jit_settled").ValueKind.Should().BeOneOf(JsonValueKind.True, JsonValueKind.False);
        foreach (var section in new[] { "server", "relay (baseline)" })
        {
            Number(json, section, "acked_total").Should().BeGreaterThan(0, section);
            Number(json, section, "deliveries_lost").Should().Be(0, section);
            Number(json, section, "deliver_latency", "p99_ms").Should().BeGreaterThan(0, section);
            Number(json, section, "server_cpu_cores").Should().BeGreaterThanOrEqualTo(0, section);
        }

        Number(json, "ratio", "server_vs_relay_deliveries_pct").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Send_runs_both_builds_alternately_and_reports_both_figures_and_the_difference()
    {
        // The same build on both sides: the point is the A B B A order, the figures and the comparison.
        var (report, json, output) = await RunAsync("send", "--baseline-dll", HostProcess.HostAssembly, "--members", "3", "--users", "2", "--senders", "1",
            "--window", "4", "--seconds", "1", "--warmup", "0.5", "--drain-seconds", "120");

        report.Errors.Should().Be(0, output);
        var runs = json.GetProperty("sections").EnumerateObject().Where(s => s.Name.StartsWith("run ", StringComparison.Ordinal)).ToList();
        runs.Select(r => r.Name).Should().Equal("run 1: baseline", "run 2: candidate", "run 3: candidate", "run 4: baseline");
        foreach (var run in runs)
        {
            run.Value.GetProperty("acked_total").GetDouble().Should().BeGreaterThan(0, run.Name);
            run.Value.GetProperty("deliveries_lost").GetDouble().Should().Be(0, run.Name);
        }

        var comparison = json.GetProperty("sections").EnumerateObject().Single(s => s.Name.StartsWith("comparison", StringComparison.Ordinal)).Value;
        var a = comparison.GetProperty("acked_msgs_per_s baseline").GetDouble();
        var b = comparison.GetProperty("acked_msgs_per_s candidate").GetDouble();
        a.Should().BeGreaterThan(0);
        comparison.GetProperty("acked_msgs_per_s difference_pct").GetDouble().Should().BeApproximately(100 * (b - a) / a, 0.1);
        json.GetProperty("targets").GetArrayLength().Should().Be(2);
        output.Should().Contain("comparison");
    }

    [Fact]
    public async Task Latency_at_a_fixed_rate_offers_that_rate_and_measures_every_delivery()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (report, json, output) = await RunAsync("latency", "--members", "3", "--users", "1", "--senders", "1", "--rate", "40", "--seconds", "1.5", "--warmup", "0.5",
            "--drain-seconds", "120");
        var wall = clock.Elapsed;

        report.Errors.Should().Be(0, output);
        json.GetProperty("parameters").GetProperty("offered_msgs_per_s").GetDouble().Should().Be(40);
        // Counts, not a per-second figure a stalled machine distorts: an open loop never sends ahead of its
        // schedule (40 a second, so never more than the whole run's wall time allows), and it catches up
        // after a stall (so at least a quarter of the 2 s it is asked to send for).
        var sent = Number(json, "server (open loop)", "sent_total");
        sent.Should().BeGreaterThanOrEqualTo(20).And.BeLessThanOrEqualTo(Math.Ceiling(40 * wall.TotalSeconds) + 1, output);
        Number(json, "server (open loop)", "acked_total").Should().Be(sent, "every message sent was acknowledged");
        Number(json, "server (open loop)", "deliveries_lost").Should().Be(0);
        Number(json, "server (open loop)", "deliver_latency", "count").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Connections_holds_sockets_of_a_few_users_and_reaches_all_of_them()
    {
        var (report, json, output) = await RunAsync("connections", "--sockets", "30", "--users", "3", "--parallel", "8", "--hold", "0.5",
            "--heap", "--heap-top", "500");

        report.Errors.Should().Be(0, output);
        Number(json, "connections", "sockets_open").Should().Be(30);
        Number(json, "connections", "broadcast_received_by").Should().Be(30);
        Number(json, "connections", "server_rss_mb_after_hold").Should().BeGreaterThan(0);
        Number(json, "heap", "live_bytes_per_socket").Should().BeGreaterThan(0);
        // The census sees the server's own objects: one ClientConnection per open socket, and none of
        // what a socket used to keep for nothing: the parsed token, its claims, a logger of its own.
        var byType = json.GetProperty("sections").GetProperty("heap_bytes_per_socket_by_type");
        ObjectsPerSocket(byType, "ZiyadMessenger.Modules.Messaging.Delivery.ClientConnection").Should().Be(1);
        ObjectsPerSocket(byType, "Microsoft.IdentityModel.JsonWebTokens.JsonWebToken").Should().BeLessThan(0.5, "the principal keeps claims, not the token");
        ObjectsPerSocket(byType, "System.Security.Claims.Claim").Should().BeLessThanOrEqualTo(6, "six claims are all the server reads");
        // (A few categories are first used while the sockets open; one logger per socket would be 1 or more.)
        ObjectsPerSocket(byType, "Serilog.Core.Logger").Should().BeLessThan(0.5, "loggers are made once per category");
    }

    [Fact]
    public async Task History_fills_a_channel_through_the_protocol_and_reads_right_pages_at_every_depth()
    {
        var (report, json, output) = await RunAsync("history", "--messages", "350", "--requests", "5", "--limit", "100", "--fill-senders", "2", "--fill-window", "8");

        report.Errors.Should().Be(0, output);
        Number(json, "channel", "last_seq").Should().BeGreaterThanOrEqualTo(350);
        Number(json, "fill", "messages_acked").Should().Be(350);
        Number(json, "pages", "wrong_pages").Should().Be(0);
        Number(json, "pages", "oldest page", "count").Should().Be(5);
        Number(json, "pages", "newest", "p99_ms").Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Files_uploads_and_downloads_with_the_key_and_gets_the_same_bytes_back()
    {
        var (report, json, output) = await RunAsync("files", "--size-mb", "3");

        report.Errors.Should().Be(0, output);
        json.GetProperty("sections").GetProperty("download (with key)").GetProperty("identical").GetBoolean().Should().BeTrue();
        Number(json, "download (with key)", "bytes").Should().Be(3 * 1024 * 1024);
        Number(json, "upload", "mb_per_s").Should().BeGreaterThan(0);
        Number(json, "upload", "server_rss_mb_peak").Should().BeGreaterThan(0);
    }

    /// <summary>Objects of a type each socket keeps alive, from the census ("123 B (1 objects)"); 0 when the type is not listed.</summary>
    private static double ObjectsPerSocket(JsonElement byType, string type)
    {
        if (!byType.TryGetProperty(type, out var entry))
        {
            return 0;
        }

        var text = entry.GetString()!;
        var open = text.LastIndexOf('(');
        return double.Parse(text[(open + 1)..text.IndexOf(' ', open)], System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchCollection
{
    public const string Name = "Bench smoke runs";

}
