using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using ZiyadMessenger.Host;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>
/// The real server, in this test process: seven Kestrel listeners on free ports, a temporary data
/// directory, real SQLite. Start one per test class (<see cref="HostFixture"/>) or per test.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly Dictionary<string, HttpClient> _clients = new();
    private int _userCounter;

    private TestHost(WebApplication app, string dataDirectory, IReadOnlyDictionary<string, int> ports, string adminPassword, bool ownsDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
        Ports = ports;
        AdminPassword = adminPassword;
        OwnsDirectory = ownsDirectory;
    }

    public WebApplication App { get; }
    public IServiceProvider Services => App.Services;
    public string DataDirectory { get; }
    public IReadOnlyDictionary<string, int> Ports { get; }
    /// <summary>The initial password the fixture configured for the first admin account, <c>admin</c>.</summary>
    public string AdminPassword { get; }
    private bool OwnsDirectory { get; }

    /// <param name="settings">Extra configuration (keys like <c>ZiyadMessenger:Auth:RegistrationEnabled</c>).</param>
    /// <param name="dataDirectory">Reuse a data directory (restart scenarios); a fresh temporary one otherwise.</param>
    /// <param name="services">Replaces or decorates services after the modules registered theirs (fault injection).</param>
    /// <param name="fixedPorts">Listen on these ports (a restart on the same addresses); free ones otherwise.</param>
    public static async Task<TestHost> StartAsync(IDictionary<string, string?>? settings = null, string? dataDirectory = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null, IReadOnlyDictionary<string, int>? fixedPorts = null)
    {
        var ownsDirectory = dataDirectory is null;
        dataDirectory ??= NewDataDirectory();
        // Chosen once: a retry after a port clash reuses the data directory, where the first attempt
        // already created the admin with this password.
        var adminPassword = settings?.TryGetValue("ZiyadMessenger:Admin:InitialPassword", out var given) == true && given is not null
            ? given
            : "Adm-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        for (var attempt = 1; ; attempt++)
        {
            var ports = fixedPorts?.ToDictionary() ?? ModuleNames.All.Zip(FreePorts.Take(ModuleNames.All.Count)).ToDictionary(p => p.First, p => p.Second);
            var config = new Dictionary<string, string?>
            {
                ["ZiyadMessenger:BindAddress"] = "127.0.0.1",
                ["ZiyadMessenger:DataDirectory"] = dataDirectory,
                ["ZiyadMessenger:Admin:InitialPassword"] = adminPassword,
                ["ZiyadMessenger:Logging:Console"] = "false",
                ["ZiyadMessenger:RateLimits:PermitsPerWindow"] = "0",
                ["ZiyadMessenger:RateLimits:LoginPermitsPerMinute"] = "0",
                ["ZiyadMessenger:ShutdownTimeoutSeconds"] = "5",
            };
            foreach (var (module, port) in ports)
            {
                config[$"ZiyadMessenger:Ports:{module}"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (settings is not null)
            {
                foreach (var (key, value) in settings)
                {
                    config[key] = value;
                }
            }

            var app = ZiyadServer.Build([], builder => builder.AddInMemoryCollection(config), services);
            try
            {
                await ZiyadServer.StartAsync(app);
                return new TestHost(app, dataDirectory, ports, adminPassword, ownsDirectory);
            }
            catch (IOException) when (attempt < 5 && fixedPorts is null)
            {
                // Another process took one of the ports between the check and the bind; pick again.
                await app.DisposeAsync();
            }
        }
    }

    public static string NewDataDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "ziyad-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public Uri Url(string module, string pathAndQuery = "/") => new($"http://127.0.0.1:{Ports[module]}{pathAndQuery}");

    public Uri WebSocketUrl(string module, string pathAndQuery) => new($"ws://127.0.0.1:{Ports[module]}{pathAndQuery}");

    /// <summary>A client whose base address is the module's listener. Shared per module; do not set default headers on it.</summary>
    public HttpClient Client(string module)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(module, out var client))
            {
                client = new HttpClient { BaseAddress = Url(module), Timeout = TimeSpan.FromSeconds(60) };
                _clients[module] = client;
            }

            return client;
        }
    }

    /// <summary>A fresh client for the module carrying a bearer token.</summary>
    public HttpClient Client(string module, string token)
    {
        var client = new HttpClient { BaseAddress = Url(module), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Registers a new user through the Auth API and logs in. Usernames are unique per host.</summary>
    public async Task<TestUser> CreateUserAsync(string? username = null, string role = "member", string? fullName = null)
    {
        username ??= $"user{Interlocked.Increment(ref _userCounter)}_{Guid.NewGuid().ToString("N")[..6]}";
        var password = "Pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var auth = Client(ModuleNames.Auth);
        var register = await auth.PostAsJsonAsync("/register", new { username, full_name = fullName ?? username, password, role });
        register.EnsureSuccessStatusCode();
        var id = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var token = await LoginAsync(username, password);
        return new TestUser(id, username, password, token);
    }

    public async Task<string> LoginAsync(string username, string password)
    {
        var login = await Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username, password });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Logs in as the first admin (<c>admin</c>, with the password the fixture configured).</summary>
    public async Task<string> AdminTokenAsync()
    {
        var login = await Client(ModuleNames.Admin).PostAsJsonAsync("/admin/login", new { username = "admin", password = AdminPassword });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Everything the server wrote to its log files so far.</summary>
    public async Task<string> ReadLogsAsync()
    {
        var directory = Path.Combine(DataDirectory, "logs");
        if (!Directory.Exists(directory))
        {
            return "";
        }

        await Task.Delay(1500); // the file sink is asynchronous
        var text = new System.Text.StringBuilder();
        foreach (var file in Directory.GetFiles(directory))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(await reader.ReadToEndAsync());
        }

        return text.ToString();
    }

    public async Task StopAsync()
    {
        await App.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        try
        {
            await App.StopAsync();
        }
        catch (ObjectDisposedException)
        {
        }

        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (OwnsDirectory)
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
}

public sealed record TestUser(string Id, string Username, string Password, string Token);

/// <summary>One host per test class: <c>IClassFixture&lt;HostFixture&gt;</c>.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
