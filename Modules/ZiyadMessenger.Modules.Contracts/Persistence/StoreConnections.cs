using System.Data.Common;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// A raw connection to the configured store, for the few places that skip EF Core (health checks, the
/// audit chain's appends, hot paths). Each use is written per provider where its SQL differs.
/// </summary>
public sealed class StoreConnections(StoreOptions options, StorePaths paths, IServiceProvider services)
{
    private readonly Lazy<NpgsqlDataSource?> _dataSource = new(() =>
        options.IsPostgres ? (NpgsqlDataSource?)services.GetService(typeof(NpgsqlDataSource)) : null);

    public StoreProvider Provider => options.Kind;

    public bool IsPostgres => options.IsPostgres;

    /// <summary>The node's PostgreSQL pool; only in <c>postgres</c> mode.</summary>
    public NpgsqlDataSource DataSource => _dataSource.Value
        ?? throw new InvalidOperationException("The store is not PostgreSQL.");

    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (options.IsPostgres)
        {
            return await DataSource.OpenConnectionAsync(cancellationToken);
        }

        return SqliteStore.OpenConnection(paths);
    }

    /// <summary>
    /// After a failure that means the server went away or restarted: closes the pool's idle connections,
    /// which are dead too, so the next request opens a fresh one instead of failing on a stale one.
    /// </summary>
    public void ForgetIdleConnections()
    {
        if (options.IsPostgres)
        {
            _dataSource.Value?.Clear();
        }
    }

    /// <summary>True when the exception means the store could not be reached or answered (not a bad statement of ours).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        NpgsqlException { IsTransient: true } => true,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException } => true,
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true,
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 or 10 or 14 } => true,
        _ when exception.InnerException is { } inner => IsUnavailable(inner),
        _ => false,
    };
}
