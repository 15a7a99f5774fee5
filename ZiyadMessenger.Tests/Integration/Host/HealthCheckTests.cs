using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Operations;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary>
/// <c>GET /health</c> on each port runs that module's checks on the framework's health check service:
/// a check that fails for real turns that port's answer into 503, and no other port's.
/// </summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Every_port_reports_its_own_modules_checks_as_ok()
    {
        await using var host = await TestHost.StartAsync();
        foreach (var module in ModuleNames.All)
        {
            var health = await HealthAsync(host, module, HttpStatusCode.OK);
            health.GetProperty("status").GetString().Should().Be("ok");
            health.GetProperty("module").GetString().Should().Be(module);
            var checks = health.GetProperty("checks").EnumerateArray().ToList();
            checks.Should().NotBeEmpty();
            checks.Should().OnlyContain(c => c.GetProperty("name").GetString()!.StartsWith(module.ToLowerInvariant() + ".", StringComparison.Ordinal),
                "a port runs only its own module's checks");
            checks.Should().Contain(c => c.GetProperty("name").GetString() == module.ToLowerInvariant() + ".store");
        }

        var messaging = await HealthAsync(host, ModuleNames.Messaging, HttpStatusCode.OK);
        Names(messaging).Should().Contain(["messaging.message_writer", "messaging.fanout", "messaging.notifications"]);
        Names(await HealthAsync(host, ModuleNames.Audit, HttpStatusCode.OK)).Should().Contain("audit.audit_writer");
        Names(await HealthAsync(host, ModuleNames.Files, HttpStatusCode.OK)).Should().Contain("files.disk");
    }

    [Fact]
    public async Task A_stopped_message_writer_makes_messaging_unhealthy_and_only_messaging()
    {
        await using var host = await TestHost.StartAsync();
        var writer = host.Services.GetServices<IHostedService>().OfType<MessageWriter>().Single();
        await writer.StopAsync(CancellationToken.None);

        var messaging = await HealthAsync(host, ModuleNames.Messaging, HttpStatusCode.ServiceUnavailable);
        messaging.GetProperty("status").GetString().Should().Be("unhealthy");
        Check(messaging, "messaging.message_writer").GetProperty("status").GetString().Should().Be("unhealthy");
        Check(messaging, "messaging.store").GetProperty("status").GetString().Should().Be("ok");
        await OthersHealthyAsync(host, ModuleNames.Messaging);
    }

    [Fact]
    public async Task A_stopped_audit_writer_makes_audit_unhealthy_and_only_audit()
    {
        await using var host = await TestHost.StartAsync();
        await host.Services.GetRequiredService<AuditWriter>().StopAsync(CancellationToken.None);

        var audit = await HealthAsync(host, ModuleNames.Audit, HttpStatusCode.ServiceUnavailable);
        Check(audit, "audit.audit_writer").GetProperty("status").GetString().Should().Be("unhealthy");
        await OthersHealthyAsync(host, ModuleNames.Audit);
    }

    [Fact]
    public async Task A_store_auth_cannot_read_makes_auth_unhealthy_and_only_auth()
    {
        await using var host = await TestHost.StartAsync();
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "ziyad.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE auth_users RENAME TO auth_users_moved;";
            await command.ExecuteNonQueryAsync();
        }

        var auth = await HealthAsync(host, ModuleNames.Auth, HttpStatusCode.ServiceUnavailable);
        var store = Check(auth, "auth.store");
        store.GetProperty("status").GetString().Should().Be("unhealthy");
        store.GetProperty("description").GetString().Should().Be("The store cannot be read.");
        await OthersHealthyAsync(host, ModuleNames.Auth);
    }

    [Fact]
    public async Task Too_little_free_disk_for_files_makes_files_unhealthy_and_only_files()
    {
        // More free space than any disk has: the real free space of the files directory is below it.
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Files:MinFreeDiskBytes"] = (1L << 60).ToString() });

        var files = await HealthAsync(host, ModuleNames.Files, HttpStatusCode.ServiceUnavailable);
        Check(files, "files.disk").GetProperty("description").GetString().Should().Contain("below");
        await OthersHealthyAsync(host, ModuleNames.Files);
    }

    [Fact]
    public async Task A_negative_free_disk_setting_stops_the_start_with_one_line_naming_it()
    {
        var (code, lines) = await ConfigurationErrorTests.RunUntilExitAsync(environment: new() { ["ZiyadMessenger__Files__MinFreeDiskBytes"] = "-1" });

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should().Contain("ZiyadMessenger:Files:MinFreeDiskBytes: must be 0 or more");
    }

    private static async Task OthersHealthyAsync(TestHost host, string failing)
    {
        foreach (var module in ModuleNames.All.Where(m => m != failing))
        {
            (await HealthAsync(host, module, HttpStatusCode.OK)).GetProperty("status").GetString().Should().Be("ok", $"{module} does not share {failing}'s failure");
        }
    }

    private static async Task<JsonElement> HealthAsync(TestHost host, string module, HttpStatusCode expected)
    {
        var response = await host.Client(module).GetAsync("/health");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, $"{module}: {text}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static JsonElement Check(JsonElement health, string name) =>
        health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static IEnumerable<string> Names(JsonElement health) =>
        health.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()!);
}
