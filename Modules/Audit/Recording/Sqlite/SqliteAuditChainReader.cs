using System.Data.Common;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Recording.Sqlite;

/// <summary>
/// One node, one writer: what this process committed is what must be stored. A deferred read
/// transaction is the snapshot (WAL lets the writer go on meanwhile).
/// </summary>
internal sealed class SqliteAuditChainReader(StorePaths paths, IAuditRecorder recorder) : IAuditChainReader
{
    public async Task<T> ReadAsync<T>(Func<DbDataReader, long, Task<T>> walk, CancellationToken cancellationToken)
    {
        // Read before the snapshot: everything this process committed so far must be in it.
        var committedHere = recorder.LastCommittedId;

        await using var connection = SqliteStore.OpenConnection(paths);
        await using var transaction = connection.BeginTransaction(deferred: true);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            SELECT id, timestamp_ms, actor_id, action, target_resource, details, prev_hash, hash
            FROM {AuditDbContext.EntriesTable} ORDER BY id;
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await walk(reader, committedHere);
    }
}
