using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>
/// A real cluster on loopback: three server processes (<see cref="HostProcess"/>), each with its own data
/// directory and ports, all on one throwaway PostgreSQL database and one shared files directory, the way
/// an office runs them behind a load balancer. The three start at the same moment against the empty
/// database, so every start also exercises the migration lock.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncDisposable
{
    /// <summary>Short, so that a dead node or leader is noticed within a test's patience.</summary>
    public const int NodeTimeoutSeconds = 3;

    /// <summary>The initial password of the cluster's first admin (one for all nodes: they share the store).</summary>
    public const string AdminPassword = "Initial-Admin-Pw-1";

    private readonly List<ClusterNode> _nodes;
    private readonly string _root;

    private ThreeNodeCluster(PostgresDatabase database, string root, string filesDirectory, List<ClusterNode> nodes)
    {
        Database = database;
        _root = root;
        FilesDirectory = filesDirectory;
        _nodes = nodes;
    }

    public PostgresDatabase Database { get; }

    /// <summary>The one <c>ZiyadMessenger:Files:Directory</c> every node stores file bytes under.</summary>
    public string FilesDirectory { get; }

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    public ClusterNode this[int index] => _nodes[index];

    /// <summary>The nodes not killed by the test.</summary>
    public IEnumerable<ClusterNode> Running => _nodes.Where(n => !n.Process.HasExited);

    /// <summary>
    /// Starts <paramref name="count"/> nodes at once on a new database. On failure the exception names
    /// what went wrong on each node and carries every node's output (a node that waits on a lock held by
    /// another is explained only by the other's output).
    /// </summary>
    public static async Task<ThreeNodeCluster> StartAsync(IDictionary<string, string>? settings = null, int count = 3)
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var root = Path.Combine(Path.GetTempPath(), "ziyad-tests", "cluster-" + Guid.NewGuid().ToString("N")[..12]);
        var files = Path.Combine(root, "shared-files");
        Directory.CreateDirectory(files);
        var environment = new Dictionary<string, string>
        {
            ["ZiyadMessenger__Store__Provider"] = "postgres",
            ["ZiyadMessenger__Store__ConnectionString"] = database.ConnectionString,
            ["ZiyadMessenger__Files__Directory"] = files,
            ["ZiyadMessenger__Cluster__NodeTimeoutSeconds"] = NodeTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ZiyadMessenger__Admin__InitialPassword"] = AdminPassword,
            ["ZiyadMessenger__ShutdownTimeoutSeconds"] = "5",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var starts = Enumerable.Range(1, count)
            .Select(i => StartNodeAsync($"node{i}", Path.Combine(root, $"node{i}"), environment))
            .ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            // Collect every node's story (started or not), stop the ones that did start, then fail with it all.
            var report = new StringBuilder("The cluster did not start.\n");
            foreach (var start in starts)
            {
                try
                {
                    var node = await start;
                    report.Append(node.Describe("started"));
                    await node.Process.DisposeAsync();
                }
                catch (NodeStartException e)
                {
                    report.Append(e.Message);
                }
                catch (Exception e)
                {
                    report.Append($"== a node failed to start: {e}\n");
                }
            }

            await database.DisposeAsync();
            TryDelete(root);
            throw new InvalidOperationException(report.ToString());
        }

        return new ThreeNodeCluster(database, root, files, starts.Select(s => s.Result).ToList());
    }

    private static async Task<ClusterNode> StartNodeAsync(string name, string dataDirectory, Dictionary<string, string> environment)
    {
        Directory.CreateDirectory(dataDirectory);
        for (var attempt = 1; ; attempt++)
        {
            var process = await HostProcess.StartAsync(dataDirectory, environment, waitUntilReady: false);
            try
            {
                // Generous: three cold starts at once on a 2-core machine busy with builds.
                await process.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
                return new ClusterNode(name, process);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                var output = process.Output;
                var exit = process.HasExited ? $"exited with {process.ExitCode}" : "still running, not ready";
                await process.DisposeAsync();
                if (attempt < 4 && output.Contains("already in use", StringComparison.Ordinal))
                {
                    continue; // a port handed out as free was taken before the node bound it
                }

                throw new NodeStartException($"== {name} did not start ({exit}; {e.GetType().Name}: {FirstLine(e.Message)})\n{Tail(output)}\n");
            }
        }
    }

    /// <summary>Every node's output, for assertion messages: what a failing test needs to explain itself.</summary>
    public string Describe() => string.Concat(_nodes.Select(n => n.Describe(n.Process.HasExited ? $"exited with {n.Process.ExitCode}" : "running")));

    /// <summary>Waits until <paramref name="condition"/> holds, or fails with the reason and every node's output.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                last = e;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Not within {timeout.TotalSeconds:0.#} s: {what}.{(last is null ? "" : $" Last error: {last.Message}")}\n{Describe()}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await Database.DisposeAsync();
        TryDelete(_root);
    }

    internal static string Tail(string output, int lines = 150)
    {
        var all = output.Split('\n');
        return all.Length <= lines ? output : $"[… {all.Length - lines} earlier lines]\n" + string.Join('\n', all[^lines..]);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0];

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class NodeStartException(string message) : Exception(message);
}

/// <summary>One server process of a <see cref="ThreeNodeCluster"/>, with the clients a test needs to talk to it.</summary>
public sealed class ClusterNode(string name, HostProcess process) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = TestHost.Json;
    private HttpClient? _anonymous;

    public string Name { get; } = name;

    public HostProcess Process { get; } = process;

    public override string ToString() => Name;

    public Uri Url(string module, string pathAndQuery = "/") => Process.Url(module, pathAndQuery);

    /// <summary>A client for the module; anonymous unless a token is given (then a fresh one, to dispose).</summary>
    public HttpClient Client(string module, string? token = null)
    {
        if (token is null)
        {
            return new HttpClient { BaseAddress = Url(module), Timeout = TimeSpan.FromSeconds(30) };
        }

        var client = new HttpClient { BaseAddress = Url(module), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The messaging WebSocket URL, v2 unless asked otherwise.</summary>
    public Uri WebSocket(string token, int version = 2) =>
        Process.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={Uri.EscapeDataString(token)}{(version == 2 ? "&v=2" : "")}");

    /// <summary>Registers a user through this node's Auth port and logs in there.</summary>
    public async Task<TestUser> CreateUserAsync(string prefix = "u")
    {
        var username = $"{prefix}_{Guid.NewGuid():N}"[..20];
        var password = "Pw-" + Guid.NewGuid().ToString("N")[..12];
        using var auth = Client(ModuleNames.Auth);
        var register = await auth.PostAsJsonAsync("/register", new { username, full_name = username, password, role = "member" });
        await EnsureAsync(register, "register");
        var id = (await register.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetString()!;
        return new TestUser(id, username, password, await LoginAsync(username, password));
    }

    public async Task<string> LoginAsync(string username, string password)
    {
        using var auth = Client(ModuleNames.Auth);
        var login = await auth.PostAsJsonAsync("/login", new { username, password });
        await EnsureAsync(login, "login");
        return (await login.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
    }

    /// <summary>An admin client on this node's Admin port, logged in as the cluster's first admin.</summary>
    public async Task<HttpClient> AdminAsync()
    {
        using var anonymous = Client(ModuleNames.Admin);
        var login = await anonymous.PostAsJsonAsync("/admin/login", new { username = "admin", password = ThreeNodeCluster.AdminPassword });
        await EnsureAsync(login, "admin login");
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
        return Client(ModuleNames.Admin, token);
    }

    /// <summary>This node's <c>GET /status</c> on the Cluster port.</summary>
    public async Task<JsonElement> ClusterStatusAsync()
    {
        _anonymous ??= Client(ModuleNames.Cluster);
        var response = await _anonymous.GetAsync("/status");
        await EnsureAsync(response, "cluster status");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).Clone();
    }

    public string Describe(string state) => $"== {Name} ({state}, pid {Process.Pid}, ports {string.Join(' ', Process.Ports.Select(p => $"{p.Key}={p.Value}"))})\n{ThreeNodeCluster.Tail(Process.Output)}\n";

    private async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{what} on {Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _anonymous?.Dispose();
        await Process.DisposeAsync();
    }
}

/// <summary>
/// One cluster for the non-destructive multi-node tests (<c>[Collection(MultiNodeCollection.Name)]</c>):
/// starting three processes is the slow part. Tests that kill a node or cut PostgreSQL start their own.
/// </summary>
public sealed class ThreeNodeClusterFixture : IAsyncLifetime
{
    private ThreeNodeCluster? _cluster;
    private string? _startFailure;

    /// <summary>Settings of the shared cluster: a quick presence timeout and a small lockout for the tests that need them.</summary>
    public static readonly Dictionary<string, string> Settings = new()
    {
        ["ZiyadMessenger:Presence:OfflineAfterSeconds"] = "4",
        ["ZiyadMessenger:Auth:LockoutFailures"] = "3",
        ["ZiyadMessenger:Auth:LockoutMinutes"] = "5",
    };

    /// <summary>The cluster, or the reason it did not start (every node's output); skips when PostgreSQL is missing outside CI.</summary>
    public ThreeNodeCluster Require()
    {
        StoreSettings.SkipUnlessPostgres();
        if (_startFailure is not null)
        {
            throw new InvalidOperationException(_startFailure);
        }

        return _cluster ?? throw new InvalidOperationException("The cluster was not started.");
    }

    public async Task InitializeAsync()
    {
        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is not null)
        {
            return;
        }

        try
        {
            _cluster = await ThreeNodeCluster.StartAsync(Settings);
        }
        catch (InvalidOperationException e)
        {
            // Kept and thrown by each test, so that every failing test shows why (a fixture failure alone
            // is reported once, far from the tests).
            _startFailure = e.Message;
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MultiNodeCollection : ICollectionFixture<ThreeNodeClusterFixture>
{
    public const string Name = "Three nodes on one PostgreSQL database";
}
