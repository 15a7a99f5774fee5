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
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:RateLimits:PermitsPerWindow"] = "5",
            ["ZiyadMessenger:RateLimits:WindowSeconds"] = "60",
        });

        // All seven, one after another: each module has its own allowance, so every module after the
        // first starts fresh although the same address has just run out on the others.
        ModuleNames.All.Should().HaveCount(7);
        foreach (var module in ModuleNames.All)
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

            // A 60 s window cannot pass during eight requests: the first five pass, the rest are refused.
            statuses.Should().Equal(
                [.. Enumerable.Repeat(HttpStatusCode.OK, 5), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)], module);
            limited!.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(60));
            limited.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("status").GetInt32().Should().Be(429);
            body.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        }

        // Refused requests do not spill over: each module still refuses, none lets more through.
        foreach (var module in ModuleNames.All)
        {
            (await host.Client(module).GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests, module);
        }
    }
}
