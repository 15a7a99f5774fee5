using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>
/// The server the scenario drives: either one this tool starts (a child process with a temporary data
/// directory and free ports, so its CPU and memory can be read from /proc), or one already running
/// (<c>--attach</c>), reached only by its ports.
/// </summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    public static readonly string[] Modules = ["Admin", "Auth", "Messaging", "Files", "Presence", "Audit", "Cluster"];

    private static readonly Dictionary<string, int> DefaultPorts = new()
    {
        ["Admin"] = 8090, ["Auth"] = 8086, ["Messaging"] = 8081, ["Files"] = 8082,
        ["Presence"] = 8083, ["Audit"] = 8084, ["Cluster"] = 8085,
    };

    private readonly Process? _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly bool _deleteDataDirectory;
    /// <summary>What goes with the server when it is disposed (its PostgreSQL database).</summary>
    private IAsyncDisposable? _owned;

    private ServerUnderTest(string host, IReadOnlyDictionary<string, int> ports, Process? process, int? pid, string? dataDirectory, bool deleteDataDirectory)
    {
        Host = host;
        Ports = ports;
        _process = process;
        Pid = pid;
        DataDirectory = dataDirectory;
        _deleteDataDirectory = deleteDataDirectory;
        if (process is not null)
        {
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }
    }

    public string Host { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }
    /// <summary>The server's process id when it is on this machine (started here, or given with --pid).</summary>
    public int? Pid { get; }
    public string? DataDirectory { get; }
    public bool Started => _process is not null;
    /// <summary>The first admin's password when this tool started the server on a fresh data directory.</summary>
    public string? AdminPassword { get; private init; }
    public string Output => string.Join('\n', _output);

    public Uri Http(string module, string pathAndQuery = "/") => new($"http://{Host}:{Ports[module]}{pathAndQuery}");

    public Uri Ws(string module, string pathAndQuery) => new($"ws://{Host}:{Ports[module]}{pathAndQuery}");

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>
    /// <c>--attach [--host H] [--ports Auth=8086,Messaging=8081,...] [--pid N]</c> uses a running server;
    /// otherwise one is started from <c>--host-dll</c> (default: the Release build in the repository).
    /// <c>--data-dir D</c> keeps the started server's data (reused by the next run: history fills once).
    /// </summary>
    public static async Task<ServerUnderTest> FromOptionsAsync(BenchOptions options, IDictionary<string, string>? environment = null)
    {
        var hostDll = options.String("host-dll");
        var dataDir = options.String("data-dir");
        if (options.Flag("attach"))
        {
            var ports = new Dictionary<string, int>(DefaultPorts);
            foreach (var pair in (options.String("ports") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var module = Modules.FirstOrDefault(m => m.Equals(kv[0].Trim(), StringComparison.OrdinalIgnoreCase))
                    ?? throw new ArgumentException($"--ports: unknown module '{kv[0]}'.");
                ports[module] = int.Parse(kv[1], CultureInfo.InvariantCulture);
            }

            int? pid = options.Has("pid") ? options.Int("pid", 0) : null;
            return new ServerUnderTest(options.String("host", "127.0.0.1")!, ports, null, pid, null, false);
        }

        // --server-env KEY=VALUE,KEY=VALUE: runtime or server settings for an experiment (e.g. DOTNET_gcServer=0).
        var extra = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        foreach (var pair in (options.String("server-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            extra[kv[0].Trim()] = kv.Length > 1 ? kv[1] : "";
        }

        // --store postgres: the server on a throwaway PostgreSQL database (dropped with the server).
        var store = options.String("store", "sqlite")!;
        if (store is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException($"--store expects sqlite or postgres, got '{store}'.");
        }

        var database = store == "postgres" ? await BenchDatabase.CreateAsync(options, poolSizePerNode: 50) : null;
        foreach (var (key, value) in database?.NodeEnvironment() ?? [])
        {
            extra[key] = value;
        }

        try
        {
            var server = await StartAsync(hostDll, dataDir, extra);
            server._owned = database;
            return server;
        }
        catch when (database is not null)
        {
            await database.DisposeAsync();
            throw;
        }
    }

    public static async Task<ServerUnderTest> StartAsync(string? hostDll, string? dataDirectory, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var server = Launch(hostDll, dataDirectory, environment);
        try
        {
            await server.WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Starts the process and returns at once; <see cref="WaitUntilReadyAsync"/> waits for the seven /health answers.</summary>
    public static ServerUnderTest Launch(string? hostDll, string? dataDirectory, IDictionary<string, string>? environment = null)
    {
        hostDll = LocateHost(hostDll);
        var keep = dataDirectory is not null;
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "ziyad-bench", Guid.NewGuid().ToString("N"));
        dataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dataDirectory);
        var ports = Modules.Zip(FreePorts(Modules.Length)).ToDictionary(p => p.First, p => p.Second);

        // The apphost next to the dll is what an operator runs; `dotnet x.dll` where there is none.
        var apphost = Path.Combine(Path.GetDirectoryName(hostDll)!, Path.GetFileNameWithoutExtension(hostDll) + (OperatingSystem.IsWindows() ? ".exe" : ""));
        var info = File.Exists(apphost)
            ? new ProcessStartInfo(apphost)
            : new ProcessStartInfo(DotnetExecutable()) { ArgumentList = { hostDll } };
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = dataDirectory;
        info.Environment["ZiyadMessenger__BindAddress"] = "127.0.0.1";
        info.Environment["ZiyadMessenger__DataDirectory"] = dataDirectory;
        // A load generator is one client IP doing the work of hundreds of users.
        info.Environment["ZiyadMessenger__RateLimits__PermitsPerWindow"] = "0";
        info.Environment["ZiyadMessenger__RateLimits__LoginPermitsPerMinute"] = "0";
        info.Environment["ZiyadMessenger__Logging__Console"] = "false";
        var adminPassword = "Bench-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        info.Environment["ZiyadMessenger__Admin__InitialPassword"] = adminPassword;
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (module, port) in ports)
        {
            info.Environment[$"ZiyadMessenger__Ports__{module}"] = port.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server.");
        return new ServerUnderTest("127.0.0.1", ports, process, process.Id, dataDirectory, !keep) { AdminPassword = adminPassword };
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(Modules.Select(async module =>
        {
            while (true)
            {
                if (_process is { HasExited: true })
                {
                    throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var response = await http.GetAsync(Http(module, "/health"));
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (deadline.Elapsed > timeout)
                {
                    throw new TimeoutException($"{module} did not answer /health within {timeout.TotalSeconds:0} s.\n{Output}");
                }

                await Task.Delay(5);
            }
        }));
    }

    /// <summary>SIGTERM and a graceful exit, as a service manager would stop it.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            _process.Kill();
        }
        else
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await StopAsync();
            _process.Dispose();
        }

        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }

        if (_deleteDataDirectory && DataDirectory is not null)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public static string DotnetExecutable() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    /// <summary>The server's build: the given path, or the Release (else Debug) build found above this tool.</summary>
    public static string LocateHost(string? hostDll)
    {
        if (hostDll is not null)
        {
            return File.Exists(hostDll) ? Path.GetFullPath(hostDll) : throw new FileNotFoundException($"--host-dll: '{hostDll}' does not exist.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ZiyadMessenger.sln")))
            {
                foreach (var configuration in new[] { "Release", "Debug" })
                {
                    var candidate = Path.Combine(dir.FullName, "ZiyadMessenger.Host", "bin", configuration, "net10.0", "ZiyadMessenger.Host.dll");
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                }

                break;
            }
        }

        throw new FileNotFoundException("No server build found: run `dotnet build -c Release ZiyadMessenger.Host` or pass --host-dll.");
    }

    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
