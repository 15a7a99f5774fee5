using Npgsql;
using NpgsqlTypes;

namespace ZiyadMessenger.Modules.Messaging.Sending.Postgres;

/// <summary>
/// History pages on PostgreSQL: a pooled connection and an explicitly prepared statement. Npgsql keeps a
/// prepared statement on the physical connection after it goes back to the pool, so once every pooled
/// connection has run a page, a request is one Bind/Execute round trip on the (ChannelId, Seq) index,
/// with no parse or plan (and no EF Core query building, which was a third of a page's CPU on SQLite).
/// </summary>
internal sealed class PostgresHistoryPages(NpgsqlDataSource dataSource) : IHistoryPages
{
    // Scrolling back (and the newest page): the newest `limit` below `before`, read newest first.
    private const string Newest =
        $"SELECT {PostgresMessageRows.Columns} FROM messaging_messages AS m WHERE m.\"ChannelId\" = @channel AND m.\"Seq\" < @before " +
        "ORDER BY m.\"Seq\" DESC LIMIT @limit";

    // Catching up: the oldest `limit` after `after` (and below `before`, if given).
    private const string Oldest =
        $"SELECT {PostgresMessageRows.Columns} FROM messaging_messages AS m WHERE m.\"ChannelId\" = @channel AND m.\"Seq\" < @before " +
        "AND m.\"Seq\" > @after ORDER BY m.\"Seq\" LIMIT @limit";

    public async Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long? before, long? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(after is null ? Newest : Oldest, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("channel", NpgsqlDbType.Varchar) { TypedValue = channelId });
        command.Parameters.Add(new NpgsqlParameter<long>("before", NpgsqlDbType.Bigint) { TypedValue = before ?? long.MaxValue });
        command.Parameters.Add(new NpgsqlParameter<long>("limit", NpgsqlDbType.Bigint) { TypedValue = limit });
        if (after is { } a)
        {
            command.Parameters.Add(new NpgsqlParameter<long>("after", NpgsqlDbType.Bigint) { TypedValue = a });
        }

        await command.PrepareAsync(cancellationToken);
        var page = new List<StoredMessage>(Math.Min(limit, 128));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add(PostgresMessageRows.Read(reader));
            }
        }

        if (after is null)
        {
            page.Reverse();
        }

        return page;
    }
}
