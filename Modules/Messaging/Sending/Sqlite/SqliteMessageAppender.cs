using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Messaging.Sending.Sqlite;

/// <summary>
/// The write path skips EF Core: one long-lived connection, prepared statements, and one transaction (so
/// one fsync) per batch. Measured on the 2-core build machine (busy, 200-byte messages,
/// synchronous=FULL): EF with a transaction per message 100 msg/s; raw statements one per transaction
/// 200 msg/s; in batches of 16 2,700 msg/s, of 128 12,000 msg/s, of 512 15,000 msg/s. The fsync per
/// commit is the cost, so group commit is what pays; skipping EF doubles what is left.
/// Between fsyncs the writer thread then spent ~38% of its time in three statements per message
/// (duplicate lookup, seq bump, insert). A batch now costs one statement per message (the INSERT) plus
/// one duplicate lookup for all its client ids and one seq reservation per channel. The statements
/// alone, replayed by a small console program against this schema (batches of 256 messages of 128
/// bytes, each with a client id, one channel, synchronous=FULL, same machine at a load of ~5): 21.4 µs
/// of CPU per message with three statements, 10.3 µs with one. In the server (fanout benchmark, 4
/// members, 4 senders, window 64, load 4-10) acked messages per server CPU-second went from
/// 27,000-32,000 to 34,000-37,000.
/// <para>
/// The writer's connection commits with <c>synchronous=NORMAL</c>: COMMIT writes the batch into the WAL
/// and returns without waiting for the disk, and <see cref="SyncToDisk"/> (the fsync of the WAL that
/// <c>synchronous=FULL</c> would have made inside COMMIT) runs on the writer's second stage, before any
/// message of the batch is delivered or acknowledged, while this thread already commits the next batch.
/// An fsync covers every frame written to the file before it, so one sync makes every batch committed
/// until then durable; a checkpoint syncs the WAL and then the database itself before SQLite may reuse
/// the WAL, so a batch already copied out of it is on disk too. What NORMAL gives up (the last commits
/// after a power cut) is only ever messages nobody was told about. See BENCHMARKS.md for the figures.
/// </para>
/// </summary>
internal sealed class SqliteMessageAppender(StorePaths paths) : IMessageAppender, IDisposable
{
    private SqliteConnection? _connection;
    private SqliteCommand? _findByClientIds;
    private SqliteCommand? _reserveSeqs;
    private SqliteCommand? _insert;
    private SqliteCommand? _insertMentions;
    private SqliteCommand? _bumpRoot;
    private Search.SearchIndexWriter? _index;

    public bool DurableOnCommit => false;

    /// <summary>fsync of the WAL file, opened by name each time (the file SQLite writes now, whatever happened to it before).</summary>
    public void SyncToDisk()
    {
        FileStream wal;
        try
        {
            wal = new FileStream(paths.DatabaseFile + "-wal", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (FileNotFoundException)
        {
            // No WAL: the last connection checkpointed it into the database (and synced that) and removed it.
            return;
        }

        using (wal)
        {
            wal.Flush(flushToDisk: true);
        }
    }

    public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp)
    {
        EnsurePrepared();
        using var transaction = _connection!.BeginTransaction();
        _findByClientIds!.Transaction = transaction;
        _bumpRoot!.Transaction = transaction;
        _reserveSeqs!.Transaction = transaction;
        _insert!.Transaction = transaction;

        var earlier = FindEarlierSends(batch);
        var plan = AppendPlan.Make(batch, earlier, ReserveSeqs);
        long firstRow = 0;
        foreach (var (message, seq) in plan.NewMessages)
        {
            Insert(message, seq, timestamp);
            if (firstRow == 0)
            {
                firstRow = SQLitePCL.raw.sqlite3_last_insert_rowid(_connection.Handle);
            }

            if (message.Mentions is { Count: > 0 })
            {
                Mentions.SqliteMentionStore.Insert(_insertMentions!, transaction, message, seq, timestamp);
            }

            if (message.RootId is { } rootId)
            {
                BumpRoot(rootId, timestamp);
            }
        }

        if (firstRow != 0)
        {
            // The batch's text messages into the search index, in the same transaction.
            _index!.IndexFrom(transaction, firstRow);
        }

        transaction.Commit();
        return plan.Outcomes(timestamp);
    }

    /// <summary>One query for every client_msg_id of the batch: the messages already stored under them.</summary>
    private Dictionary<(string, string), StoredMessage>? FindEarlierSends(IReadOnlyList<PendingMessage> batch)
    {
        var buffer = (ArrayBufferWriter<byte>?)null;
        Utf8JsonWriter? json = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].ClientMsgId is { } clientMsgId)
            {
                if (json is null)
                {
                    buffer = new ArrayBufferWriter<byte>(256);
                    json = new Utf8JsonWriter(buffer);
                    json.WriteStartArray();
                }

                json.WriteStartArray();
                json.WriteStringValue(batch[i].SenderId);
                json.WriteStringValue(clientMsgId);
                json.WriteEndArray();
            }
        }

        if (json is null)
        {
            return null;
        }

        json.WriteEndArray();
        json.Flush();
        json.Dispose();
        _findByClientIds!.Parameters[0].Value = Encoding.UTF8.GetString(buffer!.WrittenSpan);
        Dictionary<(string, string), StoredMessage>? found = null;
        using var reader = _findByClientIds.ExecuteReader();
        while (reader.Read())
        {
            var stored = ReadStored(reader);
            (found ??= [])[(stored.SenderId, stored.ClientMsgId!)] = stored;
        }

        return found;
    }

    /// <summary>Moves the channel's LastSeq on by <paramref name="count"/>; the new LastSeq, or null if the channel is gone.</summary>
    private long? ReserveSeqs(string channelId, int count)
    {
        _reserveSeqs!.Parameters[0].Value = channelId;
        _reserveSeqs.Parameters[1].Value = count;
        return _reserveSeqs.ExecuteScalar() is long last ? last : null;
    }

    private void Insert(PendingMessage message, long seq, long timestamp)
    {
        var p = _insert!.Parameters;
        p[0].Value = message.Id;
        p[1].Value = message.ChannelId;
        p[2].Value = seq;
        p[3].Value = message.SenderId;
        p[4].Value = timestamp;
        p[5].Value = message.Type;
        p[6].Value = message.Content;
        p[7].Value = (object?)message.Nonce ?? DBNull.Value;
        p[8].Value = (object?)message.Signature ?? DBNull.Value;
        p[9].Value = (object?)message.ClientMsgId ?? DBNull.Value;
        p[10].Value = (object?)message.RootId ?? DBNull.Value;
        _insert.ExecuteNonQuery();
    }

    /// <summary>A reply counts on its root at once, in the reply's transaction. Top-level sends never run this.</summary>
    private void BumpRoot(string rootId, long timestamp)
    {
        _bumpRoot!.Parameters[0].Value = rootId;
        _bumpRoot.Parameters[1].Value = timestamp;
        _bumpRoot.ExecuteNonQuery();
    }

    private static StoredMessage ReadStored(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5),
        (byte[])reader.GetValue(6),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetInt64(10),
        reader.IsDBNull(11) ? null : reader.GetInt64(11),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.GetInt32(13),
        reader.IsDBNull(14) ? null : reader.GetInt64(14));

    private void EnsurePrepared()
    {
        if (_connection is not null)
        {
            return;
        }

        try
        {
            Prepare();
        }
        catch
        {
            // Half-prepared is not prepared: the next batch starts over.
            DisposeConnection();
            throw;
        }
    }

    private void Prepare()
    {
        _connection = SqliteStore.OpenConnection(paths);
        using (var pragma = _connection.CreateCommand())
        {
            // The fsync moves out of COMMIT into SyncToDisk (see the class summary).
            pragma.CommandText = "PRAGMA synchronous=NORMAL";
            pragma.ExecuteNonQuery();
        }

        _findByClientIds = _connection.CreateCommand();
        // A join from the (short) list of ids into the unique (SenderId, ClientMsgId) index: one index probe per id.
        // The IS NOT NULL lets SQLite use that index, which only holds rows with a client id.
        _findByClientIds.CommandText =
            "SELECT m.Id, m.ChannelId, m.Seq, m.SenderId, m.Timestamp, m.Type, m.Content, m.Nonce, m.Signature, m.ClientMsgId, m.EditedAt, m.DeletedAt, " +
            "m.RootId, m.ReplyCount, m.LastReplyAt " +
            "FROM json_each($ids) AS ids " +
            "JOIN messaging_messages AS m ON m.SenderId = ids.value ->> 0 AND m.ClientMsgId = ids.value ->> 1 " +
            "WHERE m.ClientMsgId IS NOT NULL";
        _findByClientIds.Parameters.Add("$ids", SqliteType.Text);
        _findByClientIds.Prepare();

        _reserveSeqs = _connection.CreateCommand();
        _reserveSeqs.CommandText = "UPDATE messaging_channels SET LastSeq = LastSeq + $count WHERE Id = $channel RETURNING LastSeq";
        _reserveSeqs.Parameters.Add("$channel", SqliteType.Text);
        _reserveSeqs.Parameters.Add("$count", SqliteType.Integer);
        _reserveSeqs.Prepare();

        _insert = _connection.CreateCommand();
        _insert.CommandText =
            "INSERT INTO messaging_messages (Id, ChannelId, Seq, SenderId, Timestamp, Type, Content, Nonce, Signature, ClientMsgId, RootId) " +
            "VALUES ($id, $channel, $seq, $sender, $ts, $type, $content, $nonce, $signature, $client, $root)";
        _insert.Parameters.Add("$id", SqliteType.Text);
        _insert.Parameters.Add("$channel", SqliteType.Text);
        _insert.Parameters.Add("$seq", SqliteType.Integer);
        _insert.Parameters.Add("$sender", SqliteType.Text);
        _insert.Parameters.Add("$ts", SqliteType.Integer);
        _insert.Parameters.Add("$type", SqliteType.Integer);
        _insert.Parameters.Add("$content", SqliteType.Blob);
        _insert.Parameters.Add("$nonce", SqliteType.Text);
        _insert.Parameters.Add("$signature", SqliteType.Text);
        _insert.Parameters.Add("$client", SqliteType.Text);
        _insert.Parameters.Add("$root", SqliteType.Text);
        _insert.Prepare();

        _insertMentions = Mentions.SqliteMentionStore.PrepareInsert(_connection);
        _index = new Search.SearchIndexWriter(_connection);

        _bumpRoot = _connection.CreateCommand();
        _bumpRoot.CommandText = "UPDATE messaging_messages SET ReplyCount = ReplyCount + 1, LastReplyAt = $ts WHERE Id = $root";
        _bumpRoot.Parameters.Add("$root", SqliteType.Text);
        _bumpRoot.Parameters.Add("$ts", SqliteType.Integer);
        _bumpRoot.Prepare();
    }


    public void Dispose() => DisposeConnection();

    private void DisposeConnection()
    {
        _findByClientIds?.Dispose();
        _reserveSeqs?.Dispose();
        _insert?.Dispose();
        _insertMentions?.Dispose();
        _bumpRoot?.Dispose();
        _index?.Dispose();
        _index = null;
        _connection?.Dispose();
        _findByClientIds = _reserveSeqs = _insert = _insertMentions = _bumpRoot = null;
        _connection = null;
    }
}
