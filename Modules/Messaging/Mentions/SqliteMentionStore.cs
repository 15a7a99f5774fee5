using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>The mentions table on SQLite, by raw statements (see <see cref="MentionSchema"/>).</summary>
internal sealed class SqliteMentionStore(StorePaths paths) : IMentionStore
{
    private const string MessageColumns =
        "m.Id, m.ChannelId, m.Seq, m.SenderId, m.Timestamp, m.Type, m.Content, m.Nonce, m.Signature, m.ClientMsgId, m.EditedAt, m.DeletedAt, " +
        "m.RootId, m.ReplyCount, m.LastReplyAt";

    /// <summary>For the writer: a statement prepared on its connection, run inside its batch transaction.</summary>
    public static SqliteCommand PrepareInsert(SqliteConnection connection)
    {
        var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO messaging_mentions (UserId, MessageId, ChannelId, Seq, SenderId, Timestamp) " +
            "SELECT value, $message, $channel, $seq, $sender, $ts FROM json_each($users) WHERE true " +
            "ON CONFLICT (UserId, MessageId) DO NOTHING";
        command.Parameters.Add("$users", SqliteType.Text);
        command.Parameters.Add("$message", SqliteType.Text);
        command.Parameters.Add("$channel", SqliteType.Text);
        command.Parameters.Add("$seq", SqliteType.Integer);
        command.Parameters.Add("$sender", SqliteType.Text);
        command.Parameters.Add("$ts", SqliteType.Integer);
        command.Prepare();
        return command;
    }

    public static void Insert(SqliteCommand insert, SqliteTransaction transaction, PendingMessage message, long seq, long timestamp)
    {
        insert.Transaction = transaction;
        var p = insert.Parameters;
        p[0].Value = JsonSerializer.Serialize(message.Mentions);
        p[1].Value = message.Id;
        p[2].Value = message.ChannelId;
        p[3].Value = seq;
        p[4].Value = message.SenderId;
        p[5].Value = timestamp;
        insert.ExecuteNonQuery();
    }

    /// <summary>
    /// After an edit: the message now mentions exactly <paramref name="userIds"/>. Mentions the edit took
    /// away go inactive; ones it brought back come back silently; returns the users mentioned by this
    /// message for the first time, the only ones to notify.
    /// </summary>
    public IReadOnlyList<string> Replace(StoredMessage message, IReadOnlyCollection<string> userIds, long now)
    {
        using var connection = SqliteStore.OpenConnection(paths);
        using var transaction = connection.BeginTransaction();
        var users = JsonSerializer.Serialize(userIds);
        using (var off = connection.CreateCommand())
        {
            off.Transaction = transaction;
            off.CommandText = "UPDATE messaging_mentions SET Active = 0 WHERE MessageId = $message AND Active = 1 AND UserId NOT IN (SELECT value FROM json_each($users))";
            off.Parameters.AddWithValue("$message", message.Id);
            off.Parameters.AddWithValue("$users", users);
            off.ExecuteNonQuery();
        }

        using (var on = connection.CreateCommand())
        {
            on.Transaction = transaction;
            on.CommandText = "UPDATE messaging_mentions SET Active = 1 WHERE MessageId = $message AND Active = 0 AND UserId IN (SELECT value FROM json_each($users))";
            on.Parameters.AddWithValue("$message", message.Id);
            on.Parameters.AddWithValue("$users", users);
            on.ExecuteNonQuery();
        }

        var fresh = new List<string>();
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText =
                "INSERT INTO messaging_mentions (UserId, MessageId, ChannelId, Seq, SenderId, Timestamp) " +
                "SELECT value, $message, $channel, $seq, $sender, $ts FROM json_each($users) WHERE true " +
                "ON CONFLICT (UserId, MessageId) DO NOTHING RETURNING UserId";
            insert.Parameters.AddWithValue("$message", message.Id);
            insert.Parameters.AddWithValue("$channel", message.ChannelId);
            insert.Parameters.AddWithValue("$seq", message.Seq);
            insert.Parameters.AddWithValue("$sender", message.SenderId);
            insert.Parameters.AddWithValue("$ts", now);
            insert.Parameters.AddWithValue("$users", users);
            using var reader = insert.ExecuteReader();
            while (reader.Read())
            {
                fresh.Add(reader.GetString(0));
            }
        }

        transaction.Commit();
        return fresh;
    }

    /// <summary>Per channel, the caller's mentions above their read cursor (deleted messages and taken-back mentions not counted).</summary>
    public Dictionary<string, long> CountUnread(string userId)
    {
        using var connection = SqliteStore.OpenConnection(paths);
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT x.ChannelId, count(*) FROM messaging_mentions AS x " +
            "JOIN messaging_messages AS m ON m.Id = x.MessageId " +
            "LEFT JOIN messaging_read_cursors AS r ON r.UserId = x.UserId AND r.ChannelId = x.ChannelId " +
            "WHERE x.UserId = $user AND x.Active = 1 AND m.DeletedAt IS NULL AND x.Seq > coalesce(r.Seq, 0) " +
            "GROUP BY x.ChannelId";
        command.Parameters.AddWithValue("$user", userId);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>The caller's mentions in the given channels, newest first, mentioned before <paramref name="before"/>.</summary>
    public List<MentionedMessage> List(string userId, IReadOnlyCollection<string> channelIds, long before, int limit)
    {
        using var connection = SqliteStore.OpenConnection(paths);
        using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT {MessageColumns}, x.Timestamp FROM messaging_mentions AS x " +
            "JOIN messaging_messages AS m ON m.Id = x.MessageId " +
            "WHERE x.UserId = $user AND x.Active = 1 AND m.DeletedAt IS NULL AND x.Timestamp < $before " +
            "AND x.ChannelId IN (SELECT value FROM json_each($channels)) " +
            "ORDER BY x.Timestamp DESC, m.Seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$before", before);
        command.Parameters.AddWithValue("$channels", JsonSerializer.Serialize(channelIds));
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<MentionedMessage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new MentionedMessage(new StoredMessage(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5),
                (byte[])reader.GetValue(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10),
                reader.IsDBNull(11) ? null : reader.GetInt64(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt32(13), reader.IsDBNull(14) ? null : reader.GetInt64(14)),
                reader.GetInt64(15)));
        }

        return list;
    }
}
