using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Files;
using ZiyadMessenger.Tests.Integration.Messaging;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>
/// <c>migrate-store --to postgres</c> (issue 11): an existing SQLite installation moves into PostgreSQL with
/// everything a user sees: accounts and their passwords, tokens already issued, channels, history with its
/// seqs, search, files, and the audit chain.
/// </summary>
public sealed class MigrateStoreTests
{
    [PostgresFact]
    public async Task A_sqlite_installation_moves_to_postgres_and_a_node_there_shows_the_same_data()
    {
        var data = TestHost.NewDataDirectory();
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var password = "Adm-" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = password };
        try
        {
            TestUser alice, bob;
            string channelId;
            List<JsonElement> history;
            UploadedFile file;
            byte[] bytes = FilesTestClient.RandomBytes(100_000);
            long lastAuditId;
            await using (var sqlite = await TestHost.StartAsync(settings, data))
            {
                alice = await sqlite.CreateUserAsync();
                bob = await sqlite.CreateUserAsync();
                channelId = (await sqlite.CreateChannelAsync()).Id;
                await sqlite.AddMemberAsync(channelId, alice.Id);
                await sqlite.AddMemberAsync(channelId, bob.Id);
                for (var i = 0; i < 12; i++)
                {
                    await (i % 2 == 0 ? sqlite.Messaging(alice) : sqlite.Messaging(bob)).SendAsync(channelId, $"note {i} about the quarterly plan");
                }

                history = await sqlite.Messaging(alice).FullHistoryAsync(channelId);
                file = await sqlite.UploadAsync(alice.Token, bytes, "plan.pdf", "application/pdf");
                lastAuditId = (await RecordAsync(sqlite, alice.Token, new { action = "client.before_move", details = "ü 🎉" })).GetProperty("id").GetInt64();
            }

            SqliteConnection.ClearAllPools();
            var (code, output) = await BackupRestoreTests.RunCliAsync(data, "migrate-store", "--to", "postgres", "--data", data,
                $"--ZiyadMessenger:Store:ConnectionString={database.ConnectionString}");
            code.Should().Be(0, output);
            output.Should().Contain("Audit chain verified on PostgreSQL");

            var copiedMessages = await database.ScalarAsync<long>("SELECT COUNT(*) FROM messaging_messages WHERE \"SearchVector\" IS NOT NULL;");
            copiedMessages.Should().BeGreaterThanOrEqualTo(12, "copied messages are searchable");

            // A node on PostgreSQL with a fresh data directory: nothing of the SQLite installation but the files' folder.
            await using var node = await TestHost.StartAsync(StoreSettings.For(database, new Dictionary<string, string?>
            {
                ["ZiyadMessenger:Admin:InitialPassword"] = password,
                [StorePaths.FilesDirectoryKey] = Path.Combine(data, "files"),
            }));
            var token = await node.LoginAsync(alice.Username, alice.Password);
            var aliceThere = alice with { Token = token };

            var moved = await node.Messaging(aliceThere).FullHistoryAsync(channelId);
            moved.Select(m => (m.GetProperty("id").GetString(), m.GetProperty("seq").GetInt64(), MessagingApi.Text(m)))
                .Should().Equal(history.Select(m => (m.GetProperty("id").GetString(), m.GetProperty("seq").GetInt64(), MessagingApi.Text(m))));

            // Seqs continue after the copied ones, and a token issued before the move still works.
            var next = await node.Messaging(bob).SendAsync(channelId, "first words on PostgreSQL");
            next.GetProperty("seq").GetInt64().Should().Be(history[^1].GetProperty("seq").GetInt64() + 1);

            using var search = await node.Messaging(aliceThere).GetAsync($"/search?q=quarterly&channel_id={channelId}");
            search.StatusCode.Should().Be(HttpStatusCode.OK, await search.Content.ReadAsStringAsync());
            (await search.Content.ReadAsStringAsync()).Should().Contain("quarterly");

            using var download = await node.Files(token).GetAsync($"/download?id={file.FileId}&key={file.Key}");
            download.StatusCode.Should().Be(HttpStatusCode.OK);
            (await download.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);

            var admin = await node.AdminTokenAsync();
            var after = await RecordAsync(node, token, new { action = "client.after_move" });
            after.GetProperty("id").GetInt64().Should().BeGreaterThan(lastAuditId);
            var verify = await VerifyAsync(node, admin);
            verify.GetProperty("intact").GetBoolean().Should().BeTrue(verify.ToString());
            verify.GetProperty("checked").GetInt64().Should().BeGreaterThanOrEqualTo(after.GetProperty("id").GetInt64());
            var kept = await QueryAsync(node, admin, "?action=client.before_move");
            kept.GetProperty("entries")[0].GetProperty("details").GetString().Should().Be("ü 🎉");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [PostgresFact]
    public async Task A_target_that_is_not_empty_is_refused_and_left_as_it_was()
    {
        var data = TestHost.NewDataDirectory();
        await using var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            await using (await TestHost.StartAsync(dataDirectory: data))
            {
            }

            // A node already ran on this database: it holds an admin account and audit entries of its own.
            await using (await TestHost.StartAsync(StoreSettings.For(database)))
            {
            }

            var users = await database.ScalarAsync<long>("SELECT COUNT(*) FROM admin_admins;");
            SqliteConnection.ClearAllPools();
            var (code, output) = await BackupRestoreTests.RunCliAsync(data, "migrate-store", "--to", "postgres", "--data", data,
                $"--ZiyadMessenger:Store:ConnectionString={database.ConnectionString}");

            code.Should().Be(65, output);
            output.Should().Contain("is not empty");
            (await database.ScalarAsync<long>("SELECT COUNT(*) FROM admin_admins;")).Should().Be(users);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_store_that_cannot_be_reached_exits_69_with_one_line()
    {
        var data = TestHost.NewDataDirectory();
        try
        {
            await using (await TestHost.StartAsync(dataDirectory: data))
            {
            }

            SqliteConnection.ClearAllPools();
            var port = FreePorts.Take(1)[0];
            var (code, output) = await BackupRestoreTests.RunCliAsync(data, "migrate-store", "--to", "postgres", "--data", data,
                $"--ZiyadMessenger:Store:ConnectionString=Host=127.0.0.1;Port={port};Database=nowhere;Username=x;Password=y;Timeout=3");

            code.Should().Be(69, output);
            output.Should().Contain("cannot be reached");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
