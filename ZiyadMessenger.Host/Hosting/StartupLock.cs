using Npgsql;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Nodes started at once against one PostgreSQL database would each apply the same migrations and seed
/// the same rows (EF Core's own migration lock does not cover seven modules with seven history tables and
/// the seeding after them). A session-level advisory lock, held on its own connection for the whole of
/// start-up, lets one node prepare the store while the others wait, then find everything done. It lasts
/// about a second per node; a node that dies holding it releases it with its connection.
/// </summary>
internal sealed class StartupLock : IAsyncDisposable
{
    /// <summary>An arbitrary key of this application's own (the advisory-lock space is per database).</summary>
    private const long Key = 0x5A69_7961_6453_7452; // "ZiyadStR"

    private readonly NpgsqlConnection? _connection;

    private StartupLock(NpgsqlConnection? connection) => _connection = connection;

    public static async Task<StartupLock> AcquireAsync(StoreOptions store, NpgsqlDataSource? dataSource, CancellationToken cancellationToken)
    {
        if (!store.IsPostgres || dataSource is null)
        {
            return new StartupLock(null);
        }

        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT pg_advisory_lock({Key})";
            // Another node's start-up (migrations included) may take a while on a slow machine.
            command.CommandTimeout = 300;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new StartupLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }

        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT pg_advisory_unlock({Key})";
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and the lock with it.
        }

        await _connection.DisposeAsync();
    }
}
