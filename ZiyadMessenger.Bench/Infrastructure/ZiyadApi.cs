using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace ZiyadMessenger.Bench.Infrastructure;

internal sealed record BenchUser(string Id, string Username, string Token);

/// <summary>The public HTTP API, as any client would use it: register, log in, history, files.</summary>
internal sealed class ZiyadApi : IDisposable
{
    private readonly ServerUnderTest _server;
    private readonly HttpClient _http;

    public ZiyadApi(ServerUnderTest server)
    {
        _server = server;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            Timeout = TimeSpan.FromMinutes(10),
        };
    }

    public HttpClient Http => _http;

    public Uri Url(string module, string pathAndQuery) => _server.Http(module, pathAndQuery);

    /// <summary>
    /// Registers and logs in <paramref name="count"/> users (Argon2 makes each take a while, so a few at a
    /// time). Names carry the run's tag, so runs against the same server do not collide.
    /// </summary>
    public async Task<List<BenchUser>> CreateUsersAsync(int count, string tag, int parallelism, CancellationToken cancellationToken)
    {
        var users = new BenchUser[count];
        var password = "Bench-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var username = $"bench_{tag}_{i}";
            using var register = await _http.PostAsJsonAsync(Url("Auth", "/register"), new { username, full_name = $"Bench {i}", password, role = "member" }, ct);
            await EnsureAsync(register, "register");
            var id = (await register.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            users[i] = new BenchUser(id, username, await LoginAsync(username, password, ct));
        });
        return users.ToList();
    }

    public async Task<string> LoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        using var login = await _http.PostAsJsonAsync(Url("Auth", "/login"), new { username, password }, cancellationToken);
        await EnsureAsync(login, "login");
        return (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    public HttpRequestMessage Request(HttpMethod method, string module, string pathAndQuery, string token)
    {
        var request = new HttpRequestMessage(method, Url(module, pathAndQuery));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public Uri WebSocketUrl(BenchUser user) => _server.Ws("Messaging", $"/ws?token={Uri.EscapeDataString(user.Token)}&v=2");

    public static async Task EnsureAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new BenchException($"{what}: {(int)response.StatusCode} {response.ReasonPhrase}: {body[..Math.Min(body.Length, 400)]}");
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure the run cannot go on from; printed without a stack trace.</summary>
internal sealed class BenchException(string message) : Exception(message);
