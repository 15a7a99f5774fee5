using System.Data;
using System.Data.Common;
using Npgsql;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Recording.Postgres;

/// <summary>
/// Several nodes append, so what one process wrote says little: the head row, read in the same
/// snapshot as the entries (REPEATABLE READ), names the last entry any node committed.
/// </summary>
internal sealed class PostgresAuditChainReader(StoreConnections store) : IAuditChainReader
{
    public async Task<T> ReadAsync<T>(Func<DbDataReader, long, Task<T>> walk, CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);

        long knownLast = 0;
        await using (var head = new NpgsqlCommand($"SELECT last_id FROM {AuditDbContext.ChainHeadTable} WHERE id = 1;", connection, transaction))
        {
            if (await head.ExecuteScalarAsync(cancellationToken) is long id)
            {
                knownLast = id;
            }
        }

        await using var command = new NpgsqlCommand($"""
            SELECT id, timestamp_ms, actor_id, action, target_resource, details, prev_hash, hash
            FROM {AuditDbContext.EntriesTable} ORDER BY id;
            """, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await walk(reader, knownLast);
    }
}
