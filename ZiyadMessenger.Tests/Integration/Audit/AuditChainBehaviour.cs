using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>
/// The hash chain on each store: <c>/log/verify</c> names the entry that was altered or removed behind
/// the server's back, and the table refuses changes. Each test tampers, so each gets its own server.
/// </summary>
public abstract class AuditChainBehaviour(StoreKind kind)
{
    [SkippableFact]
    public async Task Verify_names_the_entry_whose_content_was_changed_in_the_store()
    {
        await using var node = await StoreNode.StartAsync(kind);
        var user = await node.Host.CreateUserAsync();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await RecordAsync(node.Host, user.Token, new { action = "client.step", details = $"step {i}" })).GetProperty("id").GetInt64());
        }

        var admin = await node.Host.AdminTokenAsync();
        (await VerifyAsync(node.Host, admin)).GetProperty("intact").GetBoolean().Should().BeTrue();

        await node.ExecuteAsOwnerAsync(kind == StoreKind.Postgres
            ? $"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update; UPDATE audit_entries SET details = 'step 2 (edited)' WHERE id = {ids[2]};"
            : $"DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET details = 'step 2 (edited)' WHERE id = {ids[2]};");

        var after = await VerifyAsync(node.Host, admin);
        after.GetProperty("intact").GetBoolean().Should().BeFalse();
        after.GetProperty("broken_at_id").GetInt64().Should().Be(ids[2]);
        after.GetProperty("problem").GetString().Should().Be($"Entry {ids[2]} was altered: its content does not match its hash.");
    }

    [SkippableFact]
    public async Task Verify_names_a_deleted_entry_and_a_removed_tail()
    {
        await using var node = await StoreNode.StartAsync(kind);
        var user = await node.Host.CreateUserAsync();
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await RecordAsync(node.Host, user.Token, new { action = "client.step", details = $"step {i}" })).GetProperty("id").GetInt64());
        }

        var disable = kind == StoreKind.Postgres ? "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_delete;" : "DROP TRIGGER audit_entries_no_delete;";
        await node.ExecuteAsOwnerAsync($"{disable} DELETE FROM audit_entries WHERE id >= {ids[3]};");
        var admin = await node.Host.AdminTokenAsync();
        var tail = await VerifyAsync(node.Host, admin);
        tail.GetProperty("intact").GetBoolean().Should().BeFalse("the last entry written is gone");
        tail.GetProperty("broken_at_id").GetInt64().Should().Be(ids[3]);

        // The next entries continue from what was really written, so the gap stays visible.
        var next = (await RecordAsync(node.Host, user.Token, new { action = "client.after" })).GetProperty("id").GetInt64();
        next.Should().BeGreaterThan(ids[3]);
        var gap = await VerifyAsync(node.Host, admin);
        gap.GetProperty("broken_at_id").GetInt64().Should().Be(ids[3]);
        gap.GetProperty("problem").GetString().Should().Contain("missing");
    }

    [SkippableFact]
    public async Task The_table_refuses_updates_and_deletes()
    {
        await using var node = await StoreNode.StartAsync(kind);
        var user = await node.Host.CreateUserAsync();
        var id = (await RecordAsync(node.Host, user.Token, new { action = "client.keep" })).GetProperty("id").GetInt64();

        var update = () => node.ExecuteAsOwnerAsync($"UPDATE audit_entries SET details = 'x' WHERE id = {id};");
        var delete = () => node.ExecuteAsOwnerAsync($"DELETE FROM audit_entries WHERE id = {id};");

        (await update.Should().ThrowAsync<System.Data.Common.DbException>()).WithMessage("*append-only*");
        (await delete.Should().ThrowAsync<System.Data.Common.DbException>()).WithMessage("*append-only*");
    }

    [SkippableFact]
    public async Task An_entry_with_characters_the_store_cannot_keep_is_stored_in_a_form_that_verifies()
    {
        await using var node = await StoreNode.StartAsync(kind);
        var user = await node.Host.CreateUserAsync();
        var entry = await RecordAsync(node.Host, user.Token, new { action = "client.odd", details = "nul \u0000 and a lone \ud800 surrogate" });

        entry.GetProperty("details").GetString().Should().StartWith("nul ").And.Contain("surrogate");
        var verify = await VerifyAsync(node.Host, await node.Host.AdminTokenAsync());
        verify.GetProperty("intact").GetBoolean().Should().BeTrue();
        var next = await RecordAsync(node.Host, user.Token, new { action = "client.after" });
        next.GetProperty("id").GetInt64().Should().BeGreaterThan(entry.GetProperty("id").GetInt64(), "the writer was not stuck on the entry before");
    }
}

public sealed class AuditChainOnSqlite() : AuditChainBehaviour(StoreKind.Sqlite);

public sealed class AuditChainOnPostgres() : AuditChainBehaviour(StoreKind.Postgres);

/// <summary>Several nodes on one database append to one chain (CONTRACT §6, issue 11).</summary>
public sealed class AuditAcrossNodesTests
{
    [PostgresFact]
    public async Task Two_nodes_appending_at_once_keep_one_valid_chain_with_every_entry()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var password = "Adm-" + Guid.NewGuid().ToString("N");
        var settings = StoreSettings.For(database, new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = password });
        await using var a = await TestHost.StartAsync(settings);
        // Made before the second node starts, which then knows the account from the store.
        var user = await a.CreateUserAsync();
        await using var b = await TestHost.StartAsync(settings);

        const int perNode = 60;
        async Task<long[]> SendAsync(TestHost host, string node)
        {
            using var client = host.Client(ModuleNames.Audit, user.Token);
            var sends = Enumerable.Range(0, perNode).Select(async i =>
            {
                var response = await client.PostAsJsonAsync("/log", new { action = "client.burst", details = $"{node}-{i}" });
                response.StatusCode.Should().Be(HttpStatusCode.Created);
                return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
            });
            return await Task.WhenAll(sends);
        }

        var results = await Task.WhenAll(SendAsync(a, "a"), SendAsync(b, "b"));
        var ids = results.SelectMany(r => r).ToList();
        ids.Should().OnlyHaveUniqueItems("two nodes never give two entries one place in the chain");

        foreach (var host in new[] { a, b })
        {
            var admin = await host.AdminTokenAsync();
            var verify = await VerifyAsync(host, admin);
            verify.GetProperty("intact").GetBoolean().Should().BeTrue(verify.ToString());
            verify.GetProperty("checked").GetInt64().Should().BeGreaterThanOrEqualTo(ids.Max());
            var burst = await QueryAsync(host, admin, "?action=client.burst&limit=500");
            burst.GetProperty("total").GetInt64().Should().Be(2 * perNode);
            burst.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("details").GetString())
                .Should().BeEquivalentTo(Enumerable.Range(0, perNode).SelectMany(i => new[] { $"a-{i}", $"b-{i}" }));
        }

        // Each node's batches link to the other's: the rows, read back, form one line.
        var links = await database.ScalarAsync<long>("""
            SELECT COUNT(*) FROM audit_entries e JOIN audit_entries p ON p.id = e.id - 1 WHERE e.prev_hash <> p.hash;
            """);
        links.Should().Be(0);
    }

    [PostgresFact]
    public async Task A_tail_removed_behind_the_servers_back_is_found_by_a_node_that_did_not_write_it()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var password = "Adm-" + Guid.NewGuid().ToString("N");
        var settings = StoreSettings.For(database, new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = password });
        await using var a = await TestHost.StartAsync(settings);
        // Made before the second node starts, which then knows the account from the store.
        var user = await a.CreateUserAsync();
        await using var b = await TestHost.StartAsync(settings);
        var last = (await RecordAsync(a, user.Token, new { action = "client.last" })).GetProperty("id").GetInt64();

        await database.ExecuteAsync($"ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_delete; DELETE FROM audit_entries WHERE id >= {last};");

        var verify = await VerifyAsync(b, await b.AdminTokenAsync());
        verify.GetProperty("intact").GetBoolean().Should().BeFalse();
        verify.GetProperty("broken_at_id").GetInt64().Should().Be(last);
    }
}

/// <summary>A server of its own on a store of the given kind, with a way to change its tables as their owner would.</summary>
internal sealed class StoreNode : IAsyncDisposable
{
    private StoreNode(TestHost host, PostgresDatabase? database)
    {
        Host = host;
        Database = database;
    }

    public TestHost Host { get; }

    public PostgresDatabase? Database { get; }

    public static async Task<StoreNode> StartAsync(StoreKind kind, IDictionary<string, string?>? settings = null)
    {
        if (kind == StoreKind.Sqlite)
        {
            return new StoreNode(await TestHost.StartAsync(settings), null);
        }

        StoreSettings.SkipUnlessPostgres();
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            return new StoreNode(await TestHost.StartAsync(StoreSettings.For(database, settings)), database);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs SQL on the node's store outside the server, as someone with the database's credentials could.</summary>
    public async Task ExecuteAsOwnerAsync(string sql)
    {
        if (Database is not null)
        {
            await Database.ExecuteAsync(sql);
            return;
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(Host.DataDirectory, "ziyad.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
