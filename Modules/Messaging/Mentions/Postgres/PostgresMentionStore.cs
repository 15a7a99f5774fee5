using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Sending.Postgres;

namespace ZiyadMessenger.Modules.Messaging.Mentions.Postgres;

/// <summary>The mentions table on PostgreSQL (see <see cref="PostgresMentionSchema"/>); the same rules as <see cref="SqliteMentionStore"/>.</summary>
internal sealed class PostgresMentionStore(NpgsqlDataSource dataSource) : IMentionStore
{
    public IReadOnlyList<string> Replace(StoredMessage message, IReadOnlyCollection<string> userIds, long now)
    {
        using var connection = dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        var users = userIds.ToArray();
        using (var change = new NpgsqlCommand(
            "UPDATE messaging_mentions SET \"Active\" = 0 WHERE \"MessageId\" = @message AND \"Active\" = 1 AND NOT (\"UserId\" = ANY(@users)); " +
            "UPDATE messaging_mentions SET \"Active\" = 1 WHERE \"MessageId\" = @message AND \"Active\" = 0 AND \"UserId\" = ANY(@users);",
            connection, transaction))
        {
            change.Parameters.Add(new NpgsqlParameter("message", NpgsqlDbType.Text) { Value = message.Id });
            change.Parameters.Add(new NpgsqlParameter("users", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = users });
            change.ExecuteNonQuery();
        }

        var fresh = new List<string>();
        using (var insert = new NpgsqlCommand(
            "INSERT INTO messaging_mentions (\"UserId\", \"MessageId\", \"ChannelId\", \"Seq\", \"SenderId\", \"Timestamp\") " +
            "SELECT u, @message, @channel, @seq, @sender, @ts FROM unnest(@users) AS u " +
            "ON CONFLICT (\"UserId\", \"MessageId\") DO NOTHING RETURNING \"UserId\"",
            connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter("message", NpgsqlDbType.Text) { Value = message.Id });
            insert.Parameters.Add(new NpgsqlParameter("channel", NpgsqlDbType.Text) { Value = message.ChannelId });
            insert.Parameters.Add(new NpgsqlParameter("seq", NpgsqlDbType.Bigint) { Value = message.Seq });
            insert.Parameters.Add(new NpgsqlParameter("sender", NpgsqlDbType.Text) { Value = message.SenderId });
            insert.Parameters.Add(new NpgsqlParameter("ts", NpgsqlDbType.Bigint) { Value = now });
            insert.Parameters.Add(new NpgsqlParameter("users", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = users });
            using var reader = insert.ExecuteReader();
            while (reader.Read())
            {
                fresh.Add(reader.GetString(0));
            }
        }

        transaction.Commit();
        return fresh;
    }

    public Dictionary<string, long> CountUnread(string userId)
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            "SELECT x.\"ChannelId\", count(*) FROM messaging_mentions AS x " +
            "JOIN messaging_messages AS m ON m.\"Id\" = x.\"MessageId\" " +
            "LEFT JOIN messaging_read_cursors AS r ON r.\"UserId\" = x.\"UserId\" AND r.\"ChannelId\" = x.\"ChannelId\" " +
            "WHERE x.\"UserId\" = @user AND x.\"Active\" = 1 AND m.\"DeletedAt\" IS NULL AND x.\"Seq\" > coalesce(r.\"Seq\", 0) " +
            "GROUP BY x.\"ChannelId\"", connection);
        command.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Text) { Value = userId });
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public List<MentionedMessage> List(string userId, IReadOnlyCollection<string> channelIds, long before, int limit)
    {
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand(
            $"SELECT {PostgresMessageRows.Columns}, x.\"Timestamp\" FROM messaging_mentions AS x " +
            "JOIN messaging_messages AS m ON m.\"Id\" = x.\"MessageId\" " +
            "WHERE x.\"UserId\" = @user AND x.\"Active\" = 1 AND m.\"DeletedAt\" IS NULL AND x.\"Timestamp\" < @before " +
            "AND x.\"ChannelId\" = ANY(@channels) " +
            "ORDER BY x.\"Timestamp\" DESC, m.\"Seq\" DESC LIMIT @limit", connection);
        command.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Text) { Value = userId });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = before });
        command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = channelIds.ToArray() });
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Bigint) { Value = (long)limit });
        var list = new List<MentionedMessage>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new MentionedMessage(PostgresMessageRows.Read(reader), reader.GetInt64(15)));
        }

        return list;
    }
}
