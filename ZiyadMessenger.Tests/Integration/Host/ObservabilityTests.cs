using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

public sealed class ObservabilityTests : IAsyncLifetime
{
    private readonly string _accessDirectory = Path.Combine(Path.GetTempPath(), "ziyad-tests", "access-" + Guid.NewGuid().ToString("N"));
    private TestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ADMIN_ACCESS_LOG_DIR"] = _accessDirectory });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        if (Directory.Exists(_accessDirectory))
        {
            Directory.Delete(_accessDirectory, recursive: true);
        }
    }

    private async Task<List<JsonElement>> AccessLinesAsync(Func<JsonElement, bool> until)
    {
        var file = Path.Combine(_accessDirectory, $"access-{DateTime.UtcNow:yyyy-MM-dd}.log");
        for (var attempt = 0; ; attempt++)
        {
            if (File.Exists(file))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
                if (lines.Any(until) || attempt > 50)
                {
                    return lines;
                }
            }
            else if (attempt > 50)
            {
                throw new FileNotFoundException("No access log file was written.", file);
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Each_request_writes_one_json_access_line_with_the_contract_fields_to_the_daily_file()
    {
        var user = await _host.CreateUserAsync();
        var requestId = "obs-" + Guid.NewGuid().ToString("N");
        using var client = _host.Client(ModuleNames.Auth, user.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me?token=should-not-be-logged");
        request.Headers.Add("X-Request-ID", requestId);
        request.Headers.UserAgent.ParseAdd("ObservabilityTest/1.0");
        (await client.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.OK);

        var lines = await AccessLinesAsync(l => l.GetProperty("request_id").GetString() == requestId);

        var line = lines.Single(l => l.GetProperty("request_id").GetString() == requestId);
        line.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            ["ts", "request_id", "module", "method", "route", "path", "status", "latency_ms", "client_ip", "user_agent", "user_id"]);
        DateTimeOffset.Parse(line.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        line.GetProperty("module").GetString().Should().Be("Auth");
        line.GetProperty("method").GetString().Should().Be("GET");
        line.GetProperty("route").GetString().Should().Be("/me");
        line.GetProperty("path").GetString().Should().Be("/me");
        line.GetProperty("status").GetInt32().Should().Be(200);
        line.GetProperty("latency_ms").GetDouble().Should().BeGreaterThanOrEqualTo(0);
        line.GetProperty("client_ip").GetString().Should().Be("127.0.0.1");
        line.GetProperty("user_agent").GetString().Should().Be("ObservabilityTest/1.0");
        line.GetProperty("user_id").GetString().Should().Be(user.Id);
    }

    [Fact]
    public async Task Failed_and_anonymous_requests_are_logged_too_on_the_right_module()
    {
        var requestId = "miss-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/nowhere");
        request.Headers.Add("X-Request-ID", requestId);
        (await _host.Client(ModuleNames.Files).SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var lines = await AccessLinesAsync(l => l.GetProperty("request_id").GetString() == requestId);

        var line = lines.Single(l => l.GetProperty("request_id").GetString() == requestId);
        line.GetProperty("module").GetString().Should().Be("Files");
        line.GetProperty("status").GetInt32().Should().Be(404);
        line.GetProperty("user_id").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Passwords_and_tokens_never_reach_the_logs()
    {
        var password = "Secret-Pw-" + Guid.NewGuid().ToString("N");
        var username = "logged_" + Guid.NewGuid().ToString("N")[..8];
        var auth = _host.Client(ModuleNames.Auth);
        (await auth.PostAsJsonAsync("/register", new { username, full_name = "Log Test", password, role = "member" })).EnsureSuccessStatusCode();
        var wrongPassword = "Wrong-Pw-" + Guid.NewGuid().ToString("N");
        (await auth.PostAsJsonAsync("/login", new { username, password = wrongPassword })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await auth.PostAsJsonAsync("/login", new { username, password = new string('z', 200) + "-too-long" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var token = await _host.LoginAsync(username, password);
        using (var client = _host.Client(ModuleNames.Auth, token))
        {
            (await client.GetAsync("/me")).EnsureSuccessStatusCode();
            var newPassword = "New-Secret-" + Guid.NewGuid().ToString("N");
            (await client.PostAsJsonAsync("/change-password", new { current_password = password, new_password = newPassword })).StatusCode.Should().Be(HttpStatusCode.NoContent);
            (await client.PostAsJsonAsync("/change-password", new { current_password = wrongPassword, new_password = password })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        (await auth.GetAsync($"/me?token={Uri.EscapeDataString(token)}")).EnsureSuccessStatusCode();
        (await auth.GetAsync($"/me?token={Uri.EscapeDataString(token)}x")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var logs = await _host.ReadLogsAsync();
        await AccessLinesAsync(_ => false);
        var access = string.Join('\n', Directory.GetFiles(_accessDirectory).Select(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }));

        logs.Should().Contain("/change-password", "the log files are being read at all");
        foreach (var text in new[] { logs, access })
        {
            text.Should().NotContain(password);
            text.Should().NotContain(wrongPassword);
            text.Should().NotContain("-too-long");
            text.Should().NotContain(token);
            text.Should().NotContain(token.Split('.')[2], "not even the token's signature");
        }
    }

    [Fact]
    public async Task Every_log_line_of_a_request_carries_its_request_id()
    {
        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("X-Request-ID", requestId);
        (await _host.Client(ModuleNames.Presence).SendAsync(request)).EnsureSuccessStatusCode();

        var logs = await _host.ReadLogsAsync();

        var lines = logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(requestId, StringComparison.Ordinal)).ToList();
        lines.Should().NotBeEmpty();
        lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("RequestId").GetString()).Should().OnlyContain(id => id == requestId);
    }
}
