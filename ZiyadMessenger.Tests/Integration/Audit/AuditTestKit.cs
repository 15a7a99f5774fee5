using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Audit;

internal static class AuditTestKit
{
    /// <summary>Reads the log as an admin sees it (GET /log) with the given query string.</summary>
    public static async Task<JsonElement> QueryAsync(TestHost host, string adminToken, string query)
    {
        using var client = host.Client(ModuleNames.Audit, adminToken);
        var response = await client.GetAsync("/log" + query);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<JsonElement> VerifyAsync(TestHost host, string adminToken)
    {
        using var client = host.Client(ModuleNames.Audit, adminToken);
        var response = await client.GetAsync("/log/verify");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Recording from notifications is asynchronous by design, so tests wait until the entry shows up
    /// (polling GET /log), failing after a generous bound.
    /// </summary>
    public static async Task<JsonElement[]> WaitForEntriesAsync(TestHost host, string adminToken, string query, int atLeast = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var page = await QueryAsync(host, adminToken, query);
            var entries = page.GetProperty("entries").EnumerateArray().ToArray();
            if (entries.Length >= atLeast)
            {
                return entries;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected at least {atLeast} audit entries for '{query}', found {entries.Length}.");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> RecordAsync(TestHost host, string token, object body)
    {
        using var client = host.Client(ModuleNames.Audit, token);
        var response = await client.PostAsJsonAsync("/log", body);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static string Unique(string prefix) => $"{prefix}.{Guid.NewGuid().ToString("N")[..10]}";
}
