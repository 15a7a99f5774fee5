using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Store;

/// <summary>One node on PostgreSQL: every module migrates its own tables there, and the server works.</summary>
public sealed class PostgresStoreTests
{
    [PostgresFact]
    public async Task A_node_on_PostgreSQL_migrates_every_module_and_keeps_its_signing_key_in_the_store()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Store:Provider"] = "postgres",
            ["ZiyadMessenger:Store:ConnectionString"] = database.ConnectionString,
        };

        string token;
        await using (var host = await TestHost.StartAsync(settings))
        {
            foreach (var module in ModuleNames.All)
            {
                var history = $"__migrations_{module.ToLowerInvariant()}";
                (await database.ScalarAsync<long>($"SELECT count(*) FROM \"{history}\"")).Should().BeGreaterThan(0, $"{module} migrates on PostgreSQL");
            }

            var user = await host.CreateUserAsync();
            token = user.Token;
            using var auth = host.Client(ModuleNames.Auth, token);
            (await auth.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
            Directory.Exists(Path.Combine(host.DataDirectory, "keys")).Should().BeFalse("the key lives in the shared store, not in a file to copy");
        }

        (await database.ScalarAsync<long>("SELECT count(*) FROM host_signing_keys")).Should().Be(1);

        // Another node (its own, empty data directory) on the same database accepts the token.
        await using var other = await TestHost.StartAsync(settings);
        using var client = other.Client(ModuleNames.Auth, token);
        (await client.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
