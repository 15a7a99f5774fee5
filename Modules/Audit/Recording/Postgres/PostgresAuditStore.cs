using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Recording.Postgres;

/// <summary>
/// Appends on PostgreSQL, where every node has its own writer and the chain is still one line: each
/// batch first locks the chain's head row (<c>SELECT … FOR UPDATE</c>), so the next node's batch waits
/// for this commit and then continues from the entry it wrote. The head row also remembers the last
/// entry written, for every node: a tail removed behind the server's back is found by any of them.
/// </summary>
internal sealed class PostgresAuditStore(StoreConnections store, ILogger<PostgresAuditStore> logger) : IAuditStore
{
    public async Task<IReadOnlyList<AuditEntryInfo>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var (headId, headHash) = await LockHeadAsync(connection, transaction, cancellationToken);

        // A new statement, so a new snapshot: it sees what the previous holder of the lock committed.
        long tailId = 0;
        var tailHash = AuditChain.GenesisHash;
        await using (var tail = new NpgsqlCommand($"SELECT id, hash FROM {AuditDbContext.EntriesTable} ORDER BY id DESC LIMIT 1;", connection, transaction))
        await using (var reader = await tail.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                tailId = reader.GetInt64(0);
                tailHash = reader.GetString(1);
            }
        }

        var (lastId, lastHash) = (headId, headHash);
        if (tailId != headId || tailHash != headHash)
        {
            // The stored tail is not the last entry written: the table was changed outside the server.
            // Linking to the true head leaves the gap for verify to report; rows added past it are skipped
            // over, never collided with.
            logger.LogError("The audit log's last stored entry ({StoredId}) is not the last one written ({WrittenId}): the log was altered outside the server",
                tailId, headId);
            if (tailId > headId)
            {
                (lastId, lastHash) = (tailId, tailHash);
            }
        }

        var count = records.Count;
        var ids = new long[count];
        var timestamps = new long[count];
        var actors = new string[count];
        var actions = new string[count];
        var targets = new string[count];
        var details = new string[count];
        var prevs = new string[count];
        var hashes = new string[count];
        var stored = new List<AuditEntryInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var record = records[i];
            var id = lastId + 1;
            var timestampMs = record.Timestamp.ToUnixTimeMilliseconds();
            var actor = AuditChain.NormalizeForPostgres(record.ActorId);
            var action = AuditChain.NormalizeForPostgres(record.Action);
            var target = AuditChain.NormalizeForPostgres(record.TargetResource);
            var detail = AuditChain.NormalizeForPostgres(record.Details);
            var hash = AuditChain.ComputeHash(id, timestampMs, actor, action, target, detail, lastHash);
            (ids[i], timestamps[i], actors[i], actions[i], targets[i], details[i], prevs[i], hashes[i]) = (id, timestampMs, actor, action, target, detail, lastHash, hash);
            stored.Add(new AuditEntryInfo(id, DateTimeOffset.FromUnixTimeMilliseconds(timestampMs), actor, action, target, detail, hash, lastHash));
            lastId = id;
            lastHash = hash;
        }

        // One statement for the batch: the arrays travel as eight parameters whatever the batch size.
        await using (var insert = new NpgsqlCommand($"""
            INSERT INTO {AuditDbContext.EntriesTable} (id, timestamp_ms, actor_id, action, target_resource, details, prev_hash, hash)
            SELECT * FROM unnest(@ids, @ts, @actors, @actions, @targets, @details, @prevs, @hashes);
            UPDATE {AuditDbContext.ChainHeadTable} SET last_id = @last_id, last_hash = @last_hash WHERE id = 1;
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ids });
            insert.Parameters.Add(new NpgsqlParameter("ts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = timestamps });
            insert.Parameters.Add(new NpgsqlParameter("actors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = actors });
            insert.Parameters.Add(new NpgsqlParameter("actions", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = actions });
            insert.Parameters.Add(new NpgsqlParameter("targets", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = targets });
            insert.Parameters.Add(new NpgsqlParameter("details", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = details });
            insert.Parameters.Add(new NpgsqlParameter("prevs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = prevs });
            insert.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = hashes });
            insert.Parameters.AddWithValue("last_id", lastId);
            insert.Parameters.AddWithValue("last_hash", lastHash);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Takes the chain's lock and reads the last entry written. The head row is made on first use from
    /// the stored tail (a new database, or one filled by <c>migrate-store</c>); two nodes making it at
    /// once is settled by its primary key.
    /// </summary>
    private static async Task<(long Id, string Hash)> LockHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using (var create = new NpgsqlCommand($"""
            INSERT INTO {AuditDbContext.ChainHeadTable} (id, last_id, last_hash)
            SELECT 1, id, hash FROM (
                SELECT id, hash FROM {AuditDbContext.EntriesTable}
                UNION ALL SELECT 0, @genesis
            ) AS tail ORDER BY id DESC LIMIT 1
            ON CONFLICT (id) DO NOTHING;
            """, connection, transaction))
        {
            create.Parameters.AddWithValue("genesis", AuditChain.GenesisHash);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var head = new NpgsqlCommand($"SELECT last_id, last_hash FROM {AuditDbContext.ChainHeadTable} WHERE id = 1 FOR UPDATE;", connection, transaction);
        await using var reader = await head.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetString(1));
    }
}
