using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Presence;

/// <summary>A host whose users go offline 3 s after they were last seen, so expiry can be watched.</summary>
public sealed class PresenceFixture : IAsyncLifetime
{
    public const double OfflineAfterSeconds = 3;

    public TestHost Host { get; private set; } = null!;

    public static Task<TestHost> StartAsync(string? dataDirectory = null) =>
        TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Presence:OfflineAfterSeconds"] = OfflineAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, dataDirectory);

    public async Task InitializeAsync() => Host = await StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

internal static class PresenceApi
{
    public static HttpClient Presence(this TestHost host, TestUser user) => host.Client(ModuleNames.Presence, user.Token);

    public static Task<HttpResponseMessage> HeartbeatAsync(this TestHost host, TestUser user, int status) =>
        host.Presence(user).PostAsJsonAsync("/heartbeat", new { user_id = user.Id, status });

    public static async Task<JsonElement> StatusAsync(this TestHost host, TestUser asker, string userId)
    {
        var response = await host.Presence(asker).GetAsync($"/status?user_id={Uri.EscapeDataString(userId)}");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    public static async Task<int> StatusCodeOfAsync(this TestHost host, TestUser asker, string userId) =>
        (await host.StatusAsync(asker, userId)).GetProperty("status").GetInt32();

    /// <summary>Polls until the user's status is <paramref name="expected"/>, or fails after the timeout.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(this TestHost host, TestUser asker, string userId, int expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var status = await host.StatusAsync(asker, userId);
            if (status.GetProperty("status").GetInt32() == expected)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Status stayed {status.GetProperty("status").GetInt32()}, expected {expected}.");
            }

            await Task.Delay(100);
        }
    }
}
