using Npgsql;

namespace ZiyadMessenger.Modules.Messaging.Sending.Postgres;

/// <summary>The message columns as PostgreSQL names them (EF Core's quoted PascalCase), and one row read back.</summary>
internal static class PostgresMessageRows
{
    public const string Columns =
        "m.\"Id\", m.\"ChannelId\", m.\"Seq\", m.\"SenderId\", m.\"Timestamp\", m.\"Type\", m.\"Content\", m.\"Nonce\", m.\"Signature\", " +
        "m.\"ClientMsgId\", m.\"EditedAt\", m.\"DeletedAt\", m.\"RootId\", m.\"ReplyCount\", m.\"LastReplyAt\"";

    /// <summary>The message in <see cref="Columns"/> order, from column <paramref name="at"/> on.</summary>
    public static StoredMessage Read(NpgsqlDataReader reader, int at = 0) => new(
        reader.GetString(at), reader.GetString(at + 1), reader.GetInt64(at + 2), reader.GetString(at + 3), reader.GetInt64(at + 4), reader.GetInt32(at + 5),
        reader.GetFieldValue<byte[]>(at + 6),
        reader.IsDBNull(at + 7) ? null : reader.GetString(at + 7),
        reader.IsDBNull(at + 8) ? null : reader.GetString(at + 8),
        reader.IsDBNull(at + 9) ? null : reader.GetString(at + 9),
        reader.IsDBNull(at + 10) ? null : reader.GetInt64(at + 10),
        reader.IsDBNull(at + 11) ? null : reader.GetInt64(at + 11),
        reader.IsDBNull(at + 12) ? null : reader.GetString(at + 12),
        reader.GetInt32(at + 13),
        reader.IsDBNull(at + 14) ? null : reader.GetInt64(at + 14));
}
