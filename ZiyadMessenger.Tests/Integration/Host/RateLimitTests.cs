using System.Net;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Every_module_limits_requests_per_client_address_with_429_and_retry_after()
    {
        // Each module has its own allowance: the second module starts fresh after the first ran out.
        await LimitsAsync([ModuleNames.Messaging, ModuleNames.Admin, ModuleNames.Presence]);
    }

    private static async Task LimitsAsync(string[] modules)
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:RateLimits:PermitsPerWindow"] = "5",
            ["ZiyadMessenger:RateLimits:WindowSeconds"] = "60",
        });

        foreach (var module in modules)
        {
            var client = host.Client(module);
            var statuses = new List<HttpStatusCode>();
            HttpResponseMessage? limited = null;
            for (var i = 0; i < 8; i++)
            {
                var response = await client.GetAsync("/health");
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    limited ??= response;
                }
            }

            statuses.Count(s => s == HttpStatusCode.OK).Should().BeGreaterThan(0, string.Join(",", statuses)).And.BeLessThanOrEqualTo(5);
            statuses.Count(s => s == HttpStatusCode.OK).Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(5);
            limited.Should().NotBeNull(module);
            limited!.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(60));
            limited.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("status").GetInt32().Should().Be(429);
            body.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        }
    }
}
