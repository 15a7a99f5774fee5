using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Recording.Sqlite;

/// <summary>Appends on SQLite: BEGIN IMMEDIATE makes the one writer of the one node the only appender.</summary>
internal sealed class SqliteAuditStore(StorePaths paths, ILogger<SqliteAuditStore> logger) : IAuditStore
{
    // The last entry this process committed. Only the single writer appends, so no lock is needed.
    private (long Id, string Hash)? _head;

    public async Task<IReadOnlyList<AuditEntryInfo>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = SqliteStore.OpenConnection(paths);
        // BEGIN IMMEDIATE: the last entry read below stays the last one until this transaction commits.
        await using var transaction = connection.BeginTransaction(deferred: false);

        long lastId = 0;
        var lastHash = AuditChain.GenesisHash;
        await using (var last = connection.CreateCommand())
        {
            last.Transaction = transaction;
            last.CommandText = $"SELECT id, hash FROM {AuditDbContext.EntriesTable} ORDER BY id DESC LIMIT 1;";
            await using var reader = await last.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                lastId = reader.GetInt64(0);
                lastHash = reader.GetString(1);
            }
        }

        if (_head is { } head && (head.Id != lastId || head.Hash != lastHash))
        {
            // The stored tail is not what this process wrote last: entries were removed or replaced
            // behind the server's back. Linking to the altered tail would hide that; linking to the
            // true head leaves a gap that verify reports.
            logger.LogError("The audit log's last stored entry ({StoredId}) is not the last one written ({WrittenId}): the log was altered outside the server",
                lastId, head.Id);
            (lastId, lastHash) = head;
        }

        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT INTO {AuditDbContext.EntriesTable} (id, timestamp_ms, actor_id, action, target_resource, details, prev_hash, hash)
            VALUES ($id, $ts, $actor, $action, $target, $details, $prev, $hash);
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var ts = insert.Parameters.Add("$ts", SqliteType.Integer);
        var actor = insert.Parameters.Add("$actor", SqliteType.Text);
        var action = insert.Parameters.Add("$action", SqliteType.Text);
        var target = insert.Parameters.Add("$target", SqliteType.Text);
        var details = insert.Parameters.Add("$details", SqliteType.Text);
        var prev = insert.Parameters.Add("$prev", SqliteType.Text);
        var hash = insert.Parameters.Add("$hash", SqliteType.Text);
        await insert.PrepareAsync(cancellationToken);

        var stored = new List<AuditEntryInfo>(records.Count);
        foreach (var record in records)
        {
            var entryId = lastId + 1;
            var timestampMs = record.Timestamp.ToUnixTimeMilliseconds();
            var entryActor = AuditChain.Normalize(record.ActorId);
            var entryAction = AuditChain.Normalize(record.Action);
            var entryTarget = AuditChain.Normalize(record.TargetResource);
            var entryDetails = AuditChain.Normalize(record.Details);
            var entryHash = AuditChain.ComputeHash(entryId, timestampMs, entryActor, entryAction, entryTarget, entryDetails, lastHash);

            id.Value = entryId;
            ts.Value = timestampMs;
            actor.Value = entryActor;
            action.Value = entryAction;
            target.Value = entryTarget;
            details.Value = entryDetails;
            prev.Value = lastHash;
            hash.Value = entryHash;
            await insert.ExecuteNonQueryAsync(cancellationToken);

            stored.Add(new AuditEntryInfo(entryId, DateTimeOffset.FromUnixTimeMilliseconds(timestampMs), entryActor, entryAction,
                entryTarget, entryDetails, entryHash, lastHash));
            lastId = entryId;
            lastHash = entryHash;
        }

        await transaction.CommitAsync(cancellationToken);
        _head = (lastId, lastHash);
        return stored;
    }
}
