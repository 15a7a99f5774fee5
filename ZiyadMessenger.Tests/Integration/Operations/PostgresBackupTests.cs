using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Files;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>
/// <c>backup</c> on a PostgreSQL installation says what it covers: the files' folder and the settings, not
/// the database, for which it prints the pg_dump command; <c>restore</c> of such an archive says the same.
/// </summary>
public sealed class PostgresBackupTests
{
    [PostgresFact]
    public async Task Backup_in_postgres_mode_holds_the_files_and_names_pg_dump_for_the_database()
    {
        var work = TestHost.NewDataDirectory();
        var data = Path.Combine(work, "data");
        var shared = Path.Combine(work, "shared-files");
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = new[]
        {
            "--ZiyadMessenger:Store:Provider=postgres",
            $"--ZiyadMessenger:Store:ConnectionString={database.ConnectionString}",
            $"--{StorePaths.FilesDirectoryKey}={shared}",
        };
        try
        {
            UploadedFile uploaded;
            await using (var node = await TestHost.StartAsync(StoreSettings.For(database, new Dictionary<string, string?> { [StorePaths.FilesDirectoryKey] = shared }), data))
            {
                var user = await node.CreateUserAsync();
                uploaded = await node.UploadAsync(user.Token, FilesTestClient.RandomBytes(4000));
            }

            var archive = Path.Combine(work, "node.tar.gz");
            var (code, output) = await BackupRestoreTests.RunCliAsync(work, ["backup", "--to", archive, "--data", data, .. settings]);

            code.Should().Be(0, output);
            output.Should().Contain("does NOT contain the database").And.Contain("pg_dump --format=custom").And.Contain(database.Name)
                .And.NotContain(new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, "the password is never printed");
            var names = EntryNames(archive);
            names.Should().Contain($"files/{uploaded.FileId[..2]}/{uploaded.FileId}.enc");
            names.Should().NotContain("ziyad.db");

            var restored = Path.Combine(work, "restored");
            (code, output) = await BackupRestoreTests.RunCliAsync(work, "restore", "--from", archive, "--data", restored);
            code.Should().Be(0, output);
            output.Should().Contain("pg_restore");
            File.ReadAllBytes(Path.Combine(restored, "files", uploaded.FileId[..2], uploaded.FileId + ".enc"))
                .Should().Equal(File.ReadAllBytes(Path.Combine(shared, uploaded.FileId[..2], uploaded.FileId + ".enc")));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<string> EntryNames(string archive)
    {
        using var stream = File.OpenRead(archive);
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}
