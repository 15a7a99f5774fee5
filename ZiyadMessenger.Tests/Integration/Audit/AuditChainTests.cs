using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Tests.Infrastructure;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>The hash chain: tampering is found and pinpointed, and the chain survives restarts.</summary>
public sealed class AuditChainTests
{
    [Fact]
    public async Task Verify_reports_exactly_the_entry_that_was_altered_in_the_database()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var entries = new List<JsonElement>();
        for (var i = 0; i < 5; i++)
        {
            entries.Add(await RecordAsync(host, user.Token, new { action = "client.step", details = $"step {i}" }));
        }

        var admin = await host.AdminTokenAsync();
        var before = await VerifyAsync(host, admin);
        before.GetProperty("intact").GetBoolean().Should().BeTrue();
        before.GetProperty("broken_at_id").ValueKind.Should().Be(JsonValueKind.Null);
        var victim = entries[2].GetProperty("id").GetInt64();

        await using (var db = OpenDatabase(host))
        {
            // The triggers keep the table append-only for the application; someone with the file can drop them.
            Execute(db, "DROP TRIGGER audit_entries_no_update;");
            Execute(db, $"UPDATE audit_entries SET details = 'step 2 (edited)' WHERE id = {victim};");
        }

        var after = await VerifyAsync(host, admin);
        after.GetProperty("intact").GetBoolean().Should().BeFalse();
        after.GetProperty("broken_at_id").GetInt64().Should().Be(victim);
        after.GetProperty("problem").GetString().Should().Contain($"Entry {victim}");
        after.GetProperty("checked").GetInt64().Should().Be(victim);
    }

    [Fact]
    public async Task Rewriting_an_entry_together_with_its_hash_breaks_the_link_to_the_next_entry()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await RecordAsync(host, user.Token, new { action = "client.step", details = $"step {i}" })).GetProperty("id").GetInt64());
        }

        // A careful forger: new content and the hash recomputed from it with the documented encoding, so
        // the row checks out on its own. Only the next entry, which still holds the old hash, can tell.
        var victim = ids[1];
        string forgedHash;
        await using (var db = OpenDatabase(host))
        {
            Execute(db, "DROP TRIGGER audit_entries_no_update;");
            var (timestampMs, actor, action, target, prevHash, oldHash) = ReadRow(db, victim);
            const string forgedDetails = "step 1 (quietly rewritten)";
            forgedHash = DocumentedHash(victim, timestampMs, actor, action, target, forgedDetails, prevHash);
            forgedHash.Should().NotBe(oldHash);
            using var update = db.CreateCommand();
            update.CommandText = "UPDATE audit_entries SET details = $details, hash = $hash WHERE id = $id;";
            update.Parameters.AddWithValue("$details", forgedDetails);
            update.Parameters.AddWithValue("$hash", forgedHash);
            update.Parameters.AddWithValue("$id", victim);
            update.ExecuteNonQuery().Should().Be(1);
        }

        var admin = await host.AdminTokenAsync();
        // The rewritten row is consistent: the log shows the forged content with its forged hash.
        var rewritten = (await QueryAsync(host, admin, "?limit=500")).GetProperty("entries").EnumerateArray()
            .Single(e => e.GetProperty("id").GetInt64() == victim);
        rewritten.GetProperty("hash").GetString().Should().Be(forgedHash);

        var result = await VerifyAsync(host, admin);
        result.GetProperty("intact").GetBoolean().Should().BeFalse();
        result.GetProperty("broken_at_id").GetInt64().Should().Be(ids[2], "the rewritten entry checks out alone; its successor's link does not");
        result.GetProperty("problem").GetString().Should().Contain($"Entry {ids[2]} does not link to entry {victim}");
        result.GetProperty("checked").GetInt64().Should().Be(ids[2]);
    }

    private static (long TimestampMs, string Actor, string Action, string Target, string PrevHash, string Hash) ReadRow(SqliteConnection db, long id)
    {
        using var command = db.CreateCommand();
        command.CommandText = "SELECT timestamp_ms, actor_id, action, target_resource, prev_hash, hash FROM audit_entries WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        reader.Read().Should().BeTrue();
        return (reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
    }

    /// <summary>
    /// docs/audit.md: SHA-256 over "ziyad-audit-v1", id, timestamp (Unix ms), actor, action, target,
    /// details, prev_hash; integers as 8-byte big-endian, strings as a 4-byte big-endian length + UTF-8.
    /// </summary>
    private static string DocumentedHash(long id, long timestampMs, string actor, string action, string target, string details, string prevHash)
    {
        var buffer = new List<byte>();
        void Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.AddRange(length);
            buffer.AddRange(bytes);
        }

        void Int(long v)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(bytes, v);
            buffer.AddRange(bytes);
        }

        Str("ziyad-audit-v1");
        Int(id);
        Int(timestampMs);
        Str(actor);
        Str(action);
        Str(target);
        Str(details);
        Str(prevHash);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    [Fact]
    public async Task Verify_reports_a_deleted_entry_by_its_missing_id()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await RecordAsync(host, user.Token, new { action = "client.step", details = $"step {i}" })).GetProperty("id").GetInt64());
        }

        await using (var db = OpenDatabase(host))
        {
            Execute(db, "DROP TRIGGER audit_entries_no_delete;");
            Execute(db, $"DELETE FROM audit_entries WHERE id = {ids[2]};");
        }

        var result = await VerifyAsync(host, await host.AdminTokenAsync());
        result.GetProperty("intact").GetBoolean().Should().BeFalse();
        result.GetProperty("broken_at_id").GetInt64().Should().Be(ids[2]);
        result.GetProperty("problem").GetString().Should().Contain("missing");
    }

    [Fact]
    public async Task Verify_reports_entries_removed_from_the_end_while_the_server_runs()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var last = (await RecordAsync(host, user.Token, new { action = "client.last" })).GetProperty("id").GetInt64();

        await using (var db = OpenDatabase(host))
        {
            Execute(db, "DROP TRIGGER audit_entries_no_delete;");
            Execute(db, $"DELETE FROM audit_entries WHERE id >= {last};");
        }

        var result = await VerifyAsync(host, await host.AdminTokenAsync());
        result.GetProperty("intact").GetBoolean().Should().BeFalse();
        result.GetProperty("broken_at_id").GetInt64().Should().Be(last);

        // Later entries do not paper over the removal: they continue from what was really written.
        var after = await RecordAsync(host, user.Token, new { action = "client.after" });
        after.GetProperty("id").GetInt64().Should().BeGreaterThan(last);
        var again = await VerifyAsync(host, await host.AdminTokenAsync());
        again.GetProperty("intact").GetBoolean().Should().BeFalse();
        again.GetProperty("broken_at_id").GetInt64().Should().Be(last);
        again.GetProperty("problem").GetString().Should().Contain("missing");
    }

    [Fact]
    public async Task The_table_refuses_updates_and_deletes()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var id = (await RecordAsync(host, user.Token, new { action = "client.keep" })).GetProperty("id").GetInt64();

        await using var db = OpenDatabase(host);
        var update = () => Execute(db, $"UPDATE audit_entries SET details = 'x' WHERE id = {id};");
        var delete = () => Execute(db, $"DELETE FROM audit_entries WHERE id = {id};");

        update.Should().Throw<SqliteException>().WithMessage("*append-only*");
        delete.Should().Throw<SqliteException>().WithMessage("*append-only*");
    }

    [Fact]
    public async Task The_chain_continues_from_the_stored_last_entry_after_a_restart()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        // The first admin is made on the first start only; the second start must know the same password.
        var settings = new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = "Restart-" + Guid.NewGuid().ToString("N") };
        try
        {
            TestUser user;
            JsonElement lastBefore;
            await using (var first = await TestHost.StartAsync(settings, dataDirectory))
            {
                user = await first.CreateUserAsync();
                await RecordAsync(first, user.Token, new { action = "client.before" });
                lastBefore = await RecordAsync(first, user.Token, new { action = "client.before" });
            }

            var (storedLastId, storedLastHash) = LastStored(dataDirectory);
            storedLastId.Should().BeGreaterThanOrEqualTo(lastBefore.GetProperty("id").GetInt64());

            await using var second = await TestHost.StartAsync(settings, dataDirectory);
            var token = await second.LoginAsync(user.Username, user.Password);
            var next = await RecordAsync(second, token, new { action = "client.after" });
            var admin = await second.AdminTokenAsync();

            // The first entry of the new run links to the last stored one, whatever recorded it.
            var linked = (await QueryAsync(second, admin, "?limit=500")).GetProperty("entries").EnumerateArray()
                .Single(e => e.GetProperty("id").GetInt64() == storedLastId + 1);
            linked.GetProperty("prev_hash").GetString().Should().Be(storedLastHash);
            next.GetProperty("id").GetInt64().Should().BeGreaterThan(storedLastId);
            var verify = await VerifyAsync(second, admin);
            verify.GetProperty("intact").GetBoolean().Should().BeTrue();
            verify.GetProperty("checked").GetInt64().Should().BeGreaterThanOrEqualTo(next.GetProperty("id").GetInt64());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static (long Id, string Hash) LastStored(string dataDirectory)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "ziyad.db")};Pooling=False");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT id, hash FROM audit_entries ORDER BY id DESC LIMIT 1;";
        using var reader = command.ExecuteReader();
        reader.Read().Should().BeTrue();
        return (reader.GetInt64(0), reader.GetString(1));
    }

    [Fact]
    public async Task A_stored_hash_can_be_recomputed_from_the_documented_encoding()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var entry = await RecordAsync(host, user.Token, new { action = "client.doc", target_resource = "doc:1", details = "ü and 🎉" });

        DocumentedHash(
                entry.GetProperty("id").GetInt64(),
                entry.GetProperty("timestamp").GetDateTimeOffset().ToUnixTimeMilliseconds(),
                entry.GetProperty("actor_id").GetString()!,
                entry.GetProperty("action").GetString()!,
                entry.GetProperty("target_resource").GetString()!,
                entry.GetProperty("details").GetString()!,
                entry.GetProperty("prev_hash").GetString()!)
            .Should().Be(entry.GetProperty("hash").GetString());
    }

    private static SqliteConnection OpenDatabase(TestHost host)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "ziyad.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
