using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// Every module's tables in one PostgreSQL database, as on SQLite each module keeps its own tables and
/// its own migrations history. All modules share one <see cref="NpgsqlDataSource"/> (one pool per node).
/// </summary>
public static class PostgresStore
{
    /// <summary>Seconds to wait for a connection (opening one, or a free one from the pool) unless the connection string says otherwise.</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    /// <summary>Seconds a statement may wait for the server's answer unless the connection string says otherwise.</summary>
    public const int DefaultCommandTimeoutSeconds = 30;

    public static NpgsqlDataSource CreateDataSource(string connectionString) =>
        new NpgsqlDataSourceBuilder(WithDefaults(connectionString)).Build();

    /// <summary>
    /// The connection string with the server's defaults where it is silent: an application name for
    /// <c>pg_stat_activity</c>, and bounded waits, so a request that meets an unreachable server fails
    /// (503) within seconds instead of hanging, and a load balancer's health check gets its answer in
    /// time. Npgsql's own connect timeout is 15 s; values given in the connection string win.
    /// </summary>
    public static string WithDefaults(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var keys = given.Keys.Cast<string>().Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!keys.Contains("ApplicationName"))
        {
            builder.ApplicationName = "ziyad-messenger";
        }

        if (!keys.Contains("Timeout"))
        {
            builder.Timeout = DefaultConnectTimeoutSeconds;
        }

        if (!keys.Contains("CommandTimeout"))
        {
            builder.CommandTimeout = DefaultCommandTimeoutSeconds;
        }

        return builder.ConnectionString;
    }

    public static DbContextOptionsBuilder UseZiyadPostgres(this DbContextOptionsBuilder builder, NpgsqlDataSource dataSource, string module) =>
        builder.UseNpgsql(dataSource, o => o.MigrationsHistoryTable(HistoryTable(module)));

    /// <summary>For <c>dotnet ef migrations add --context Postgres…</c>: no server is contacted at design time.</summary>
    public static DbContextOptions<TContext> DesignTimeOptions<TContext>(string module)
        where TContext : DbContext =>
        new DbContextOptionsBuilder<TContext>()
            .UseNpgsql("Host=design-time;Database=ziyad", o => o.MigrationsHistoryTable(HistoryTable(module)))
            .Options;

    private static string HistoryTable(string module) => $"__migrations_{module.ToLowerInvariant()}";
}
