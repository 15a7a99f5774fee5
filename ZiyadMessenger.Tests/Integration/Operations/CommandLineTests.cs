using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Operations;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_lists_the_commands_and_the_order_of_settings_and_exits_zero()
    {
        var (code, output) = await RunAsync("--help");

        code.Should().Be(0);
        output.Should().Contain("backup --to FILE").And.Contain("restore --from FILE --data DIR")
            .And.Contain("/etc/ziyad-messenger/appsettings.json").And.Contain("environment variables");
    }

    [Fact]
    public async Task Version_prints_the_program_and_data_format_versions()
    {
        var (code, output) = await RunAsync("--version");

        code.Should().Be(0);
        var expected = typeof(ZiyadMessenger.Host.Operations.DataFormat).Assembly.GetName().Version!.ToString(3);
        output.Trim().Should().StartWith($"Ziyad Messenger {expected} (data format ");
    }

    [Fact]
    public async Task Settings_file_beats_appsettings_environment_beats_file_and_command_line_beats_environment()
    {
        var directory = TestHost.NewDataDirectory();
        var ports = ModuleNames.All.Zip(FreePorts.Take(ModuleNames.All.Count)).ToDictionary(p => p.First, p => p.Second);
        var extra = FreePorts.Take(3);
        var (presenceInFile, clusterInFile, clusterOnCommandLine) = (extra[0], extra[1], extra[2]);
        var file = Path.Combine(directory, "system-wide.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            // appsettings.json beside the program says Information; the file's Warning must win (no "ready" line).
            ["Serilog"] = new { MinimumLevel = new { Default = "Warning" } },
            ["ZiyadMessenger"] = new { Ports = new { Presence = presenceInFile, Cluster = clusterInFile } },
        }));
        try
        {
            await using var host = await HostProcess.StartAsync(
                directory,
                ports: ports,
                args: ["--config", file, $"--ZiyadMessenger:Ports:Cluster={clusterOnCommandLine}"],
                waitUntilReady: false);
            var expected = new Dictionary<string, int>(ports) { [ModuleNames.Cluster] = clusterOnCommandLine };
            await using var probe = new PortProbe(expected);
            await probe.WaitUntilAllAnswerAsync(host);

            (await PortProbe.AnswersAsync(presenceInFile)).Should().BeFalse("the environment variable beats the file");
            (await PortProbe.AnswersAsync(ports[ModuleNames.Cluster])).Should().BeFalse("the command line beats the environment");
            (await PortProbe.AnswersAsync(clusterInFile)).Should().BeFalse();
            host.Output.Should().NotContain("is ready", "the file's log level beats appsettings.json");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await using var host = await HostProcess.StartAsync(directory, args: args, waitUntilReady: false);
            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
            return (code, host.Output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary>Asks <c>/health</c> on given ports, for checks where the ports differ from what HostProcess chose.</summary>
internal sealed class PortProbe(IReadOnlyDictionary<string, int> ports) : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    public async Task WaitUntilAllAnswerAsync(HostProcess host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90); // generous: CI machines are small and busy
        foreach (var (module, port) in ports)
        {
            while (!await AnswersAsync(port, module))
            {
                if (host.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{module} did not answer on {port}.\n{host.Output}");
                }

                await Task.Delay(50);
            }
        }
    }

    public static async Task<bool> AnswersAsync(int port, string? module = null)
    {
        try
        {
            var response = await Http.GetAsync($"http://127.0.0.1:{port}/health");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            return module is null || JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("module").GetString() == module;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
