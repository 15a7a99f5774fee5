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
        var report = await BenchCli.RunAsync([.. args, "--host-dll", HostProcess.HostAssembly, "--out", outFile], output, timeout.Token);
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
        var (report, json, output) = await RunAsync("fanout", "--relay", "only", "--members", "3", "--senders", "1", "--seconds", "1", "--warmup", "0.5");

        report.Errors.Should().Be(0, output);
        var acked = Number(json, "relay (baseline)", "acked_total");
        acked.Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "deliveries_lost").Should().Be(0);
        Number(json, "relay (baseline)", "delivered_msgs_per_s").Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "deliver_latency", "count").Should().BeGreaterThan(0);
        Number(json, "relay (baseline)", "server_rss_mb_peak").Should().BeGreaterThan(0);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BenchCollection
{
    public const string Name = "Bench smoke runs";
}
