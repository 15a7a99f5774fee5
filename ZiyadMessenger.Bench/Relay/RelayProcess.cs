using System.Diagnostics;
using System.Globalization;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Relay;

/// <summary>The relay in its own process (this tool with <c>relay-server</c>), so it is measured like the server is.</summary>
internal sealed class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RelayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;

    public Uri SocketUrl => new($"ws://127.0.0.1:{Port}/ws?token=relay&v=2");

    public static async Task<RelayProcess> StartAsync()
    {
        var port = ServerUnderTest.FreePorts(1)[0];
        var info = new ProcessStartInfo(ServerUnderTest.DotnetExecutable())
        {
            ArgumentList = { typeof(RelayProcess).Assembly.Location, "relay-server", "--port", port.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the relay.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var relay = new RelayProcess(process, port);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new BenchException($"The relay exited with {process.ExitCode}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                if (response.IsSuccessStatusCode)
                {
                    return relay;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await relay.DisposeAsync();
                throw new BenchException("The relay did not start within 30 s.");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
