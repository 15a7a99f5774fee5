using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Modules.Messaging.Search.Postgres;

namespace ZiyadMessenger.Modules.Messaging.Sending.Postgres;

/// <summary>
/// Edits and deletes on PostgreSQL, in SQL rather than EF Core because the search column (outside the
/// EF model) changes with the text, in the same statement.
/// </summary>
internal sealed class PostgresMessageEdits(NpgsqlDataSource dataSource) : IMessageEdits
{
    public async Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "UPDATE messaging_messages AS m SET \"Type\" = @type, \"Content\" = @content, \"Nonce\" = @nonce, \"Signature\" = @signature, " +
            $"\"EditedAt\" = @edited, \"SearchVector\" = to_tsvector('{PostgresSearchText.Configuration}', @text) " +
            $"WHERE m.\"Id\" = @id AND m.\"DeletedAt\" IS NULL RETURNING {PostgresMessageRows.Columns}", connection);
        command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Integer) { Value = type });
        command.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = content });
        command.Parameters.Add(new NpgsqlParameter("nonce", NpgsqlDbType.Text) { Value = (object?)nonce ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("signature", NpgsqlDbType.Text) { Value = (object?)signature ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("edited", NpgsqlDbType.Bigint) { Value = editedAt });
        command.Parameters.Add(new NpgsqlParameter("text", NpgsqlDbType.Text) { Value = (object?)PostgresSearchText.For(type, content) ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = messageId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? PostgresMessageRows.Read(reader) : null;
    }

    public async Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The row locked first, so a second delete at the same moment sees this one's tombstone.
        bool wasDeleted;
        await using (var check = new NpgsqlCommand("SELECT \"DeletedAt\" IS NOT NULL FROM messaging_messages WHERE \"Id\" = @id FOR UPDATE", connection, transaction))
        {
            check.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = messageId });
            if (await check.ExecuteScalarAsync(cancellationToken) is not bool deleted)
            {
                return null;
            }

            wasDeleted = deleted;
        }

        // A tombstone keeps the seq (so history stays gap-free) and drops what was said, and what hung on it:
        // its reactions, its pin and its place in the search index. A deleted reply no longer counts on its root.
        StoredMessage tombstone;
        await using (var update = new NpgsqlCommand(
            "UPDATE messaging_messages AS m SET \"Content\" = ''::bytea, \"Nonce\" = NULL, \"Signature\" = NULL, \"DeletedAt\" = @deleted, \"SearchVector\" = NULL " +
            $"WHERE m.\"Id\" = @id RETURNING {PostgresMessageRows.Columns}", connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter("deleted", NpgsqlDbType.Bigint) { Value = deletedAt });
            update.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = messageId });
            await using var reader = await update.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            tombstone = PostgresMessageRows.Read(reader);
        }

        var followUp = "DELETE FROM messaging_reactions WHERE \"MessageId\" = @id; DELETE FROM messaging_pins WHERE \"MessageId\" = @id;";
        if (tombstone.RootId is not null && !wasDeleted)
        {
            followUp += " UPDATE messaging_messages SET \"ReplyCount\" = \"ReplyCount\" - 1 WHERE \"Id\" = @root AND \"ReplyCount\" > 0;";
        }

        await using (var cleanup = new NpgsqlCommand(followUp, connection, transaction))
        {
            cleanup.Parameters.Add(new NpgsqlParameter("id", NpgsqlDbType.Text) { Value = messageId });
            cleanup.Parameters.Add(new NpgsqlParameter("root", NpgsqlDbType.Text) { Value = (object?)tombstone.RootId ?? DBNull.Value });
            await cleanup.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return tombstone;
    }
}
