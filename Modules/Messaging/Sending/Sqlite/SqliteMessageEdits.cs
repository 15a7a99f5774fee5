using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.Sending.Sqlite;

/// <summary>
/// Edits and deletes on SQLite: not a hot path, plain EF Core. The FTS5 index follows by its triggers
/// (Search/SearchSchema), inside the same transaction.
/// </summary>
internal sealed class SqliteMessageEdits(IDbContextFactory<MessagingDbContext> contexts) : IMessageEdits
{
    public async Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (row is null || row.DeletedAt is not null)
        {
            return null;
        }

        row.Type = type;
        row.Content = content;
        row.Nonce = nonce;
        row.Signature = signature;
        row.EditedAt = editedAt;
        await db.SaveChangesAsync(cancellationToken);
        return MessageLookups.ToStored(row);
    }

    public async Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Messages.FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        if (row is null)
        {
            return null;
        }

        // A tombstone keeps the seq (so history stays gap-free) and drops what was said, and what hung on it:
        // its reactions and its pin. A deleted reply no longer counts on its root.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        row.Content = [];
        row.Nonce = null;
        row.Signature = null;
        row.DeletedAt = deletedAt;
        await db.SaveChangesAsync(cancellationToken);
        await db.Reactions.Where(r => r.MessageId == messageId).ExecuteDeleteAsync(cancellationToken);
        await db.Pins.Where(p => p.MessageId == messageId).ExecuteDeleteAsync(cancellationToken);
        if (row.RootId is { } rootId)
        {
            await db.Messages.Where(m => m.Id == rootId && m.ReplyCount > 0)
                .ExecuteUpdateAsync(u => u.SetProperty(m => m.ReplyCount, m => m.ReplyCount - 1), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return MessageLookups.ToStored(row);
    }
}
