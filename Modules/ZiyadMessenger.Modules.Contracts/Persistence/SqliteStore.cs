using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// The one SQLite database every module shares, each in its own tables. WAL mode is switched on once by
/// the Host; every connection gets foreign keys, a busy timeout and full synchronous commits, so that a
/// commit the server acknowledged survives a crash of the process.
/// </summary>
public static class SqliteStore
{
    public const int BusyTimeoutMs = 5000;

    public static string ConnectionString(StorePaths paths) => new SqliteConnectionStringBuilder
    {
        DataSource = paths.DatabaseFile,
        ForeignKeys = true,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Configures a module's DbContext: its own migrations history table, the shared pragmas.</summary>
    public static DbContextOptionsBuilder UseZiyadSqlite(this DbContextOptionsBuilder builder, StorePaths paths, string module) =>
        builder
            .UseSqlite(ConnectionString(paths), o => o.MigrationsHistoryTable($"__migrations_{module.ToLowerInvariant()}"))
            .AddInterceptors(PragmaInterceptor.Instance);

    public static DbContextOptionsBuilder<TContext> UseZiyadSqlite<TContext>(this DbContextOptionsBuilder<TContext> builder, StorePaths paths, string module)
        where TContext : DbContext
    {
        UseZiyadSqlite((DbContextOptionsBuilder)builder, paths, module);
        return builder;
    }

    /// <summary>Opens a raw connection with the shared pragmas, for hot paths that skip EF Core.</summary>
    public static SqliteConnection OpenConnection(StorePaths paths)
    {
        var connection = new SqliteConnection(ConnectionString(paths));
        connection.Open();
        ApplyPragmas(connection);
        return connection;
    }

    /// <summary>Switches the database to WAL mode; persistent in the file, so it runs once at start-up.</summary>
    public static void EnableWal(StorePaths paths)
    {
        Directory.CreateDirectory(paths.DataDirectory);
        using var connection = OpenConnection(paths);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static void ApplyPragmas(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA busy_timeout={BusyTimeoutMs}; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }

    private sealed class PragmaInterceptor : DbConnectionInterceptor
    {
        public static readonly PragmaInterceptor Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ApplyPragmas(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ApplyPragmas(connection);
            return Task.CompletedTask;
        }
    }
}
