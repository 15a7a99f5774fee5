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
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ADMIN_ACCESS_LOG_DIR"] = _accessDirectory,
            // Levels are the operator's choice (the Serilog section): with everything on, a request writes
            // lines from the framework (hosting, routing, authentication) as well as from the server.
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:MinimumLevel:Override:Microsoft"] = "Debug",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Debug",
        });

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
        var newPassword = "New-Secret-" + Guid.NewGuid().ToString("N");
        using (var client = _host.Client(ModuleNames.Auth, token))
        {
            (await client.GetAsync("/me")).EnsureSuccessStatusCode();
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
            text.Should().NotContain(newPassword, "the successful change's new password is a secret too");
            text.Should().NotContain(wrongPassword);
            text.Should().NotContain("-too-long");
            text.Should().NotContain(token);
            text.Should().NotContain(token.Split('.')[2], "not even the token's signature");
        }
    }

    [Fact]
    public async Task Every_log_line_of_a_request_carries_its_request_id()
    {
        var user = await _host.CreateUserAsync();
        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        // A connection of its own, so that its id names this request's lines and no other's.
        using (var client = _host.Client(ModuleNames.Auth, user.Token))
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/me"))
        {
            request.Headers.Add("X-Request-ID", requestId);
            (await client.SendAsync(request)).EnsureSuccessStatusCode();
        }

        // The request's lines are found without looking at RequestId: the access line names the request id
        // in its text, and gives the connection; every line logged inside a request carries the framework's
        // RequestPath, so the request's lines are that connection's lines with a RequestPath.
        List<JsonElement> events = [];
        JsonElement access = default;
        for (var attempt = 0; attempt < 20 && access.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            events = (await _host.ReadLogsAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            access = events.SingleOrDefault(e => e.TryGetProperty("AccessLog", out var line) && line.GetString()!.Contains(requestId, StringComparison.Ordinal));
        }

        access.ValueKind.Should().Be(JsonValueKind.Object, "the access line of the request was written");
        var connection = access.GetProperty("ConnectionId").GetString();
        connection.Should().NotBeNullOrEmpty();
        var lines = events.Where(e => e.TryGetProperty("ConnectionId", out var c) && c.GetString() == connection && e.TryGetProperty("RequestPath", out _)).ToList();

        lines.Should().HaveCountGreaterThan(3, "hosting, authentication, the bus and the access log each write about this request");
        lines.Should().Contain(e => e.GetProperty("@mt").GetString()!.StartsWith("Request starting", StringComparison.Ordinal), "even the first line, written before any middleware ran");
        lines.Should().Contain(e => e.GetProperty("@mt").GetString()!.StartsWith("Request finished", StringComparison.Ordinal), "even the last line, written after the middleware finished");
        foreach (var line in lines)
        {
            line.TryGetProperty("RequestId", out var id).Should().BeTrue(line.GetRawText());
            id.GetString().Should().Be(requestId, line.GetRawText());
        }
    }
}
