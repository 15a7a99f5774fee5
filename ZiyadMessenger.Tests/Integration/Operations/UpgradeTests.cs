using Microsoft.Data.Sqlite;
using ZiyadMessenger.Tests.Infrastructure;
using DataFormat = ZiyadMessenger.Host.Operations.DataFormat;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>A program started on data of another version: older data is backed up then migrated; newer data is refused.</summary>
public sealed class UpgradeTests
{
    [Fact]
    public async Task A_fresh_data_directory_records_its_format_and_takes_no_upgrade_backup()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await (await TestHost.StartAsync(dataDirectory: directory)).DisposeAsync();

            Meta(directory, "data_format_version").Should().Be(DataFormat.Current.ToString());
            Meta(directory, "app_version").Should().Be(DataFormat.AppVersion);
            Directory.Exists(Path.Combine(directory, "backups")).Should().BeFalse();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Older_data_is_backed_up_before_the_upgrade_and_keeps_its_content()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await (await TestHost.StartAsync(dataDirectory: directory)).DisposeAsync();
            Execute(directory, """
                CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
                INSERT INTO upgrade_probe (note) VALUES ('written by the old version');
                UPDATE host_meta SET value = '0' WHERE key = 'data_format_version';
                UPDATE host_meta SET value = '0.0.1' WHERE key = 'app_version';
                """);

            await using (var host = await TestHost.StartAsync(dataDirectory: directory))
            {
                (await host.ReadLogsAsync()).Should().Contain("Upgrading data from format {OldFormat}").And.Contain("\"OldFormat\":0");
            }

            Meta(directory, "data_format_version").Should().Be(DataFormat.Current.ToString());
            Scalar(Path.Combine(directory, "ziyad.db"), "SELECT note FROM upgrade_probe").Should().Be("written by the old version");
            var backup = Directory.GetFiles(Path.Combine(directory, "backups")).Should().ContainSingle().Subject;
            Path.GetFileName(backup).Should().Contain("format0").And.Contain($"before-{DataFormat.AppVersion}");
            Scalar(backup, "SELECT value FROM host_meta WHERE key = 'data_format_version'").Should().Be("0", "the backup is the data as it was before");
            Scalar(backup, "SELECT note FROM upgrade_probe").Should().Be("written by the old version");
            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(backup).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Data_from_a_newer_version_is_refused_with_one_line_and_left_untouched()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await (await TestHost.StartAsync(dataDirectory: directory)).DisposeAsync();
            var future = DataFormat.Current + 1;
            Execute(directory, $"""
                UPDATE host_meta SET value = '{future}' WHERE key = 'data_format_version';
                UPDATE host_meta SET value = '99.0.0' WHERE key = 'app_version';
                """);

            await using var host = await HostProcess.StartAsync(directory, waitUntilReady: false);
            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

            code.Should().Be(65);
            var line = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Subject;
            line.Should().Contain($"data format {future}").And.Contain("99.0.0").And.Contain($"format {DataFormat.Current} at most");
            Meta(directory, "data_format_version").Should().Be(future.ToString(), "nothing was written over the newer data");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("auth")]       // a context registered with AddDbContext
    [InlineData("messaging")]  // one behind a pooled context factory
    public async Task A_module_migration_this_program_does_not_know_is_refused(string module)
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await (await TestHost.StartAsync(dataDirectory: directory)).DisposeAsync();
            Execute(directory, $"INSERT INTO __migrations_{module} (MigrationId, ProductVersion) VALUES ('29991231235959_FromTheFuture', '99.0.0');");

            await using var host = await HostProcess.StartAsync(directory, waitUntilReady: false);
            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

            code.Should().Be(65);
            host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
                .Which.Should().Contain("29991231235959_FromTheFuture").And.Contain("does not know");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string? Meta(string directory, string key) =>
        Scalar(Path.Combine(directory, "ziyad.db"), $"SELECT value FROM host_meta WHERE key = '{key}'");

    private static string? Scalar(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    private static void Execute(string directory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "ziyad.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
