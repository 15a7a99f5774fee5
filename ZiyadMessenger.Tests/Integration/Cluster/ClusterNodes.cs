using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>
/// Nodes of one cluster for tests: in-process hosts and child processes (those can be SIGKILLed) on one
/// throwaway PostgreSQL database, with a short node timeout so that death and takeover can be watched.
/// </summary>
internal static class ClusterNodes
{
    public const int NodeTimeoutSeconds = 3;
    public const string AdminPassword = "Cluster-Admin-Pw-1";

    public static TimeSpan NodeTimeout => TimeSpan.FromSeconds(NodeTimeoutSeconds);

    public static Dictionary<string, string?> Settings(PostgresDatabase database, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Cluster:NodeTimeoutSeconds"] = NodeTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["ZiyadMessenger:Admin:InitialPassword"] = AdminPassword,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return StoreSettings.For(database, settings);
    }

    public static Task<TestHost> StartAsync(PostgresDatabase database, IDictionary<string, string?>? more = null) =>
        TestHost.StartAsync(Settings(database, more));

    /// <summary>A node as its own OS process, for a real kill.</summary>
    public static async Task<HostProcess> StartProcessAsync(PostgresDatabase database, IDictionary<string, string?>? more = null)
    {
        var environment = Settings(database, more).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value ?? "");
        return await HostProcess.StartAsync(TestHost.NewDataDirectory(), environment);
    }

    public static async Task<JsonElement> StatusAsync(Uri clusterStatus)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return JsonDocument.Parse(await http.GetStringAsync(clusterStatus)).RootElement;
    }

    public static Task<JsonElement> StatusAsync(this TestHost host) => StatusAsync(host.Url(ModuleNames.Cluster, "/status"));

    public static Task<JsonElement> StatusAsync(this HostProcess node) => StatusAsync(node.Url(ModuleNames.Cluster, "/status"));

    public static async Task<string> NodeIdAsync(this HostProcess node) => (await node.StatusAsync()).GetProperty("node_id").GetString()!;

    public static async Task<string> NodeIdAsync(this TestHost host) => (await host.StatusAsync()).GetProperty("node_id").GetString()!;

    public static JsonElement? Node(this JsonElement status, string id) =>
        status.GetProperty("nodes").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(n => n!.Value.GetProperty("id").GetString() == id);

    public static IReadOnlyList<string> HealthyIds(this JsonElement status) =>
        status.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("healthy").GetBoolean()).Select(n => n.GetProperty("id").GetString()!).ToList();

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; fails with the last answer after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s; last: {value}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Registers a user on any node's Auth and logs in there.</summary>
    public static async Task<TestUser> CreateUserAsync(Func<string, Uri> url, string? username = null)
    {
        username ??= "u" + Guid.NewGuid().ToString("N")[..10];
        var password = "Pw-" + Guid.NewGuid().ToString("N")[..12];
        using var http = new HttpClient();
        (await http.PostAsJsonAsync(url("/register"), new { username, full_name = username, password, role = "member" })).EnsureSuccessStatusCode();
        var login = await http.PostAsJsonAsync(url("/login"), new { username, password });
        login.EnsureSuccessStatusCode();
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        return new TestUser(body.GetProperty("user_id").GetString()!, username, password, body.GetProperty("token").GetString()!);
    }
}
