using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// Every module's tables in one PostgreSQL database, as on SQLite each module keeps its own tables and
/// its own migrations history. All modules share one <see cref="NpgsqlDataSource"/> (one pool per node).
/// </summary>
public static class PostgresStore
{
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "ziyad-messenger";
        return builder.Build();
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
