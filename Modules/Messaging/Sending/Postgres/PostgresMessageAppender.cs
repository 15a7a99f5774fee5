using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Messaging.Search.Postgres;

namespace ZiyadMessenger.Modules.Messaging.Sending.Postgres;

/// <summary>
/// The write path on PostgreSQL, with the group commit of the single writer: one transaction per batch
/// on one long-lived connection with its statements prepared, and a fixed number of statements per batch
/// whatever its size, each taking the batch as arrays (<c>unnest</c>): the duplicate lookup, one seq
/// reservation per channel, the insert, the mentions, the reply counts and the signal to other nodes.
/// <list type="bullet">
/// <item><c>seq</c> comes from <c>UPDATE messaging_channels SET "LastSeq" = "LastSeq" + n … RETURNING</c> in the
/// same transaction as the insert, not from a SEQUENCE: an aborted transaction gives its seqs back, so a
/// channel's seqs stay gap-free. The channel row stays locked until the commit, which orders the batches
/// of all nodes that write to that channel.</item>
/// <item>Idempotency is the unique index on (SenderId, ClientMsgId): a resend to another node finds the
/// stored row, or (both nodes in flight at once) the insert meets the other node's row. Then nothing of
/// the batch is kept (its reserved seqs would be a gap): the transaction is rolled back and the batch
/// planned again, when the lookup finds the other node's message and answers with it.</item>
/// <item>The signal (<c>pg_notify</c>, the channels' highest seqs, never content) is sent inside the
/// transaction, so PostgreSQL delivers it at commit or never.</item>
/// </list>
/// A failure throws: the writer answers 503 and nothing is acknowledged that did not commit.
/// </summary>
internal sealed class PostgresMessageAppender(NpgsqlDataSource dataSource, IClusterBus bus, ILogger<PostgresMessageAppender> logger)
    : IMessageAppender, IDisposable
{
    /// <summary>Rounds lost to another node's insert of the same client_msg_id before giving up (each makes the race narrower).</summary>
    private const int MaxAttempts = 3;

    private NpgsqlConnection? _connection;
    private NpgsqlCommand? _findByClientIds;
    private NpgsqlCommand? _reserveSeqs;
    private NpgsqlCommand? _insert;
    private NpgsqlCommand? _insertMentions;
    private NpgsqlCommand? _bumpRoots;
    private NpgsqlCommand? _notify;

    /// <summary>PostgreSQL's commit waits for its WAL flush (synchronous_commit on).</summary>
    public bool DurableOnCommit => true;

    public void SyncToDisk()
    {
    }

    public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp)
    {
        for (var attempt = 1; ; attempt++)
        {
            EnsurePrepared();
            try
            {
                if (TryAppend(batch, timestamp) is { } outcomes)
                {
                    return outcomes;
                }
            }
            catch
            {
                // The connection may be what failed: the next batch starts on a new one.
                DisposeConnection();
                throw;
            }

            logger.LogInformation("Another node stored one of this batch's client_msg_ids at the same moment; the batch is planned again (attempt {Attempt})", attempt);
            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException("Another node kept storing the same client_msg_id at the same moment.");
            }
        }
    }

    /// <summary>Null when another node stored one of the batch's client ids meanwhile (rolled back, plan again).</summary>
    private AppendOutcome[]? TryAppend(IReadOnlyList<PendingMessage> batch, long timestamp)
    {
        using var transaction = _connection!.BeginTransaction();
        var earlier = FindEarlierSends(batch);
        var plan = AppendPlan.Make(batch, earlier, ReserveSeqs);
        var count = plan.NewCount;
        if (count > 0)
        {
            if (Insert(plan, count, timestamp) != count)
            {
                transaction.Rollback();
                return null;
            }

            InsertMentions(plan, timestamp);
            BumpRoots(plan, timestamp);
            Notify(plan);
        }

        transaction.Commit();
        return plan.Outcomes(timestamp);
    }

    private Dictionary<(string, string), StoredMessage>? FindEarlierSends(IReadOnlyList<PendingMessage> batch)
    {
        var senders = new List<string>();
        var clientIds = new List<string>();
        foreach (var message in batch)
        {
            if (message.ClientMsgId is { } clientMsgId)
            {
                senders.Add(message.SenderId);
                clientIds.Add(clientMsgId);
            }
        }

        if (senders.Count == 0)
        {
            return null;
        }

        _findByClientIds!.Parameters[0].Value = senders.ToArray();
        _findByClientIds.Parameters[1].Value = clientIds.ToArray();
        Dictionary<(string, string), StoredMessage>? found = null;
        using var reader = _findByClientIds.ExecuteReader();
        while (reader.Read())
        {
            var stored = PostgresMessageRows.Read(reader);
            (found ??= [])[(stored.SenderId, stored.ClientMsgId!)] = stored;
        }

        return found;
    }

    private long? ReserveSeqs(string channelId, int count)
    {
        _reserveSeqs!.Parameters[0].Value = channelId;
        _reserveSeqs.Parameters[1].Value = (long)count;
        return _reserveSeqs.ExecuteScalar() is long last ? last : null;
    }

    /// <returns>How many rows went in: fewer than asked when another node holds one of the client ids.</returns>
    private int Insert(AppendPlan plan, int count, long timestamp)
    {
        var ids = new string[count];
        var channels = new string[count];
        var seqs = new long[count];
        var senders = new string[count];
        var types = new int[count];
        var contents = new byte[count][];
        var nonces = new string?[count];
        var signatures = new string?[count];
        var clientIds = new string?[count];
        var roots = new string?[count];
        var texts = new string?[count];
        var i = 0;
        foreach (var (message, seq) in plan.NewMessages)
        {
            ids[i] = message.Id;
            channels[i] = message.ChannelId;
            seqs[i] = seq;
            senders[i] = message.SenderId;
            types[i] = message.Type;
            contents[i] = message.Content;
            nonces[i] = message.Nonce;
            signatures[i] = message.Signature;
            clientIds[i] = message.ClientMsgId;
            roots[i] = message.RootId;
            texts[i] = PostgresSearchText.For(message.Type, message.Content);
            i++;
        }

        var p = _insert!.Parameters;
        p[0].Value = ids;
        p[1].Value = channels;
        p[2].Value = seqs;
        p[3].Value = senders;
        p[4].Value = types;
        p[5].Value = contents;
        p[6].Value = nonces;
        p[7].Value = signatures;
        p[8].Value = clientIds;
        p[9].Value = roots;
        p[10].Value = texts;
        p[11].Value = timestamp;
        return _insert.ExecuteNonQuery();
    }

    private void InsertMentions(AppendPlan plan, long timestamp)
    {
        List<string>? users = null;
        var messages = new List<string>();
        var channels = new List<string>();
        var seqs = new List<long>();
        var senders = new List<string>();
        foreach (var (message, seq) in plan.NewMessages)
        {
            foreach (var user in message.Mentions ?? [])
            {
                (users ??= []).Add(user);
                messages.Add(message.Id);
                channels.Add(message.ChannelId);
                seqs.Add(seq);
                senders.Add(message.SenderId);
            }
        }

        if (users is null)
        {
            return;
        }

        var p = _insertMentions!.Parameters;
        p[0].Value = users.ToArray();
        p[1].Value = messages.ToArray();
        p[2].Value = channels.ToArray();
        p[3].Value = seqs.ToArray();
        p[4].Value = senders.ToArray();
        p[5].Value = timestamp;
        _insertMentions.ExecuteNonQuery();
    }

    /// <summary>A reply counts on its root at once, in the reply's transaction.</summary>
    private void BumpRoots(AppendPlan plan, long timestamp)
    {
        var roots = plan.NewMessages.Where(n => n.Message.RootId is not null).Select(n => n.Message.RootId!).ToArray();
        if (roots.Length == 0)
        {
            return;
        }

        _bumpRoots!.Parameters[0].Value = roots;
        _bumpRoots.Parameters[1].Value = timestamp;
        _bumpRoots.ExecuteNonQuery();
    }

    private void Notify(AppendPlan plan)
    {
        var wires = MessageSignals.Encode(plan.HighestSeqByChannel())
            .Select(payload => ClusterWire.Encode(bus.InstanceId, MessageSignals.Topic, payload))
            .ToArray();
        _notify!.Parameters[0].Value = wires;
        _notify.ExecuteNonQuery();
    }

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
        _connection = dataSource.OpenConnection();

        // From the (short) list of ids into the unique (SenderId, ClientMsgId) index: one index probe per id.
        // LATERAL … LIMIT 1 keeps it a probe per id whatever the statistics say: as a plain join, the generic
        // plan of this prepared statement, made while the table was small, hashed the ids and scanned the
        // whole table for every batch (~9 ms per batch at a few tens of thousands of messages, the writer's
        // backend busy at 100 msgs/s in the three-node benchmark).
        _findByClientIds = Command(
            $"SELECT {PostgresMessageRows.Columns} FROM unnest(@senders, @clients) AS k(sender, client) " +
            "CROSS JOIN LATERAL (SELECT * FROM messaging_messages AS x " +
            "WHERE x.\"SenderId\" = k.sender AND x.\"ClientMsgId\" = k.client AND x.\"ClientMsgId\" IS NOT NULL LIMIT 1) AS m",
            ("senders", NpgsqlDbType.Array | NpgsqlDbType.Text), ("clients", NpgsqlDbType.Array | NpgsqlDbType.Text));

        _reserveSeqs = Command(
            "UPDATE messaging_channels SET \"LastSeq\" = \"LastSeq\" + @count WHERE \"Id\" = @channel RETURNING \"LastSeq\"",
            ("channel", NpgsqlDbType.Text), ("count", NpgsqlDbType.Bigint));

        // ON CONFLICT DO NOTHING: a client id another node stored meanwhile is not an error but a row fewer (see TryAppend).
        _insert = Command(
            "INSERT INTO messaging_messages (\"Id\", \"ChannelId\", \"Seq\", \"SenderId\", \"Timestamp\", \"Type\", \"Content\", \"Nonce\", " +
            "\"Signature\", \"ClientMsgId\", \"RootId\", \"ReplyCount\", \"SearchVector\") " +
            $"SELECT u.id, u.channel, u.seq, u.sender, @ts, u.type, u.content, u.nonce, u.signature, u.client, u.root, 0, " +
            $"to_tsvector('{PostgresSearchText.Configuration}', u.text) " +
            "FROM unnest(@ids, @channels, @seqs, @senders, @types, @contents, @nonces, @signatures, @clients, @roots, @texts) " +
            "AS u(id, channel, seq, sender, type, content, nonce, signature, client, root, text) " +
            "ON CONFLICT DO NOTHING",
            ("ids", NpgsqlDbType.Array | NpgsqlDbType.Text), ("channels", NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            ("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint), ("senders", NpgsqlDbType.Array | NpgsqlDbType.Text),
            ("types", NpgsqlDbType.Array | NpgsqlDbType.Integer), ("contents", NpgsqlDbType.Array | NpgsqlDbType.Bytea),
            ("nonces", NpgsqlDbType.Array | NpgsqlDbType.Text), ("signatures", NpgsqlDbType.Array | NpgsqlDbType.Text),
            ("clients", NpgsqlDbType.Array | NpgsqlDbType.Text), ("roots", NpgsqlDbType.Array | NpgsqlDbType.Varchar),
            ("texts", NpgsqlDbType.Array | NpgsqlDbType.Text), ("ts", NpgsqlDbType.Bigint));

        _insertMentions = Command(
            "INSERT INTO messaging_mentions (\"UserId\", \"MessageId\", \"ChannelId\", \"Seq\", \"SenderId\", \"Timestamp\") " +
            "SELECT u.usr, u.message, u.channel, u.seq, u.sender, @ts FROM unnest(@users, @messages, @channels, @seqs, @senders) " +
            "AS u(usr, message, channel, seq, sender) ON CONFLICT DO NOTHING",
            ("users", NpgsqlDbType.Array | NpgsqlDbType.Text), ("messages", NpgsqlDbType.Array | NpgsqlDbType.Text),
            ("channels", NpgsqlDbType.Array | NpgsqlDbType.Text), ("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint),
            ("senders", NpgsqlDbType.Array | NpgsqlDbType.Text), ("ts", NpgsqlDbType.Bigint));

        _bumpRoots = Command(
            "UPDATE messaging_messages AS m SET \"ReplyCount\" = m.\"ReplyCount\" + k.n, \"LastReplyAt\" = @ts " +
            "FROM (SELECT r, count(*)::int AS n FROM unnest(@roots) AS r GROUP BY r) AS k WHERE m.\"Id\" = k.r",
            ("roots", NpgsqlDbType.Array | NpgsqlDbType.Text), ("ts", NpgsqlDbType.Bigint));

        _notify = Command(
            $"SELECT pg_notify('{ClusterWire.Channel}', w) FROM unnest(@wires) AS w",
            ("wires", NpgsqlDbType.Array | NpgsqlDbType.Text));
    }

    private NpgsqlCommand Command(string sql, params (string Name, NpgsqlDbType Type)[] parameters)
    {
        var command = new NpgsqlCommand(sql, _connection);
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(name, type));
        }

        command.Prepare();
        return command;
    }

    public void Dispose() => DisposeConnection();

    private void DisposeConnection()
    {
        _findByClientIds?.Dispose();
        _reserveSeqs?.Dispose();
        _insert?.Dispose();
        _insertMentions?.Dispose();
        _bumpRoots?.Dispose();
        _notify?.Dispose();
        _connection?.Dispose();
        _findByClientIds = _reserveSeqs = _insert = _insertMentions = _bumpRoots = _notify = null;
        _connection = null;
    }
}
