using System.Collections.Concurrent;
using System.Diagnostics;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>
/// The server as a separate OS process (<c>dotnet ZiyadMessenger.Host.dll</c> from the build output), for
/// what an in-process host cannot show: a hard kill (SIGKILL), exit codes, start-up output.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process, string dataDirectory, IReadOnlyDictionary<string, int> ports)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Ports = ports;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string DataDirectory { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _output);

    public Uri Url(string module, string pathAndQuery = "/") => new($"http://127.0.0.1:{Ports[module]}{pathAndQuery}");

    public Uri WebSocketUrl(string module, string pathAndQuery) => new($"ws://127.0.0.1:{Ports[module]}{pathAndQuery}");

    /// <summary>Path of the Host's entry assembly, copied next to the tests by the project reference.</summary>
    public static string HostAssembly => Path.Combine(AppContext.BaseDirectory, "ZiyadMessenger.Host.dll");

    /// <summary>Starts the server with free ports; <paramref name="waitUntilReady"/> waits for all seven /health answers.</summary>
    public static async Task<HostProcess> StartAsync(
        string dataDirectory,
        IDictionary<string, string>? environment = null,
        IReadOnlyDictionary<string, int>? ports = null,
        string[]? args = null,
        bool waitUntilReady = true,
        string? executable = null,
        int attempt = 1)
    {
        var choosePorts = ports is null;
        ports ??= ModuleNames.All.Zip(FreePorts.Take(ModuleNames.All.Count)).ToDictionary(p => p.First, p => p.Second);
        var info = executable is null
            ? new ProcessStartInfo("dotnet") { ArgumentList = { HostAssembly } }
            : new ProcessStartInfo(executable);
        foreach (var arg in args ?? [])
        {
            info.ArgumentList.Add(arg);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = dataDirectory;
        info.Environment["ZiyadMessenger__BindAddress"] = "127.0.0.1";
        info.Environment["ZiyadMessenger__DataDirectory"] = dataDirectory;
        info.Environment["ZiyadMessenger__RateLimits__PermitsPerWindow"] = "0";
        info.Environment["ZiyadMessenger__RateLimits__LoginPermitsPerMinute"] = "0";
        info.Environment["ZiyadMessenger__Admin__InitialPassword"] = "Initial-Admin-Pw-1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (module, port) in ports)
        {
            info.Environment[$"ZiyadMessenger__Ports__{module}"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the host process.");
        var host = new HostProcess(process, dataDirectory, ports);
        if (waitUntilReady)
        {
            // Generous: on a machine busy with parallel builds a cold process start can take well over 30 s.
            try
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            }
            catch (InvalidOperationException) when (choosePorts && host.HasExited && host.ExitCode == 78 && host.Output.Contains("already in use", StringComparison.Ordinal) && attempt < 5)
            {
                // A port handed out as free was taken before the server bound it (often the local end of
                // some test's outgoing connection); pick the ports again.
                await host.DisposeAsync();
                return await StartAsync(dataDirectory, environment, null, args, waitUntilReady, executable, attempt + 1);
            }
        }

        return host;
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        foreach (var module in ModuleNames.All)
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The host exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    var response = await http.GetAsync(Url(module, "/health"));
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{module} did not answer /health in time.\n{Output}");
                }

                await Task.Delay(50);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing. What a power cut or an OOM kill looks like to the process.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, then wait for a graceful exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            if (OperatingSystem.IsWindows())
            {
                _process.Kill();
            }
            else
            {
                using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await kill!.WaitForExitAsync();
            }
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
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
