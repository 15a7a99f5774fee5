using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>Messages by id and a thread's replies: not a hot path, plain EF Core, the same on both providers.</summary>
internal sealed class MessageLookups(IDbContextFactory<MessagingDbContext> contexts)
{
    public async Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Messages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == messageId, cancellationToken);
        return row is null ? null : ToStored(row);
    }

    public async Task<IReadOnlyList<StoredMessage>> FindManyAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        if (messageIds.Count == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Messages.AsNoTracking().Where(m => messageIds.Contains(m.Id)).ToListAsync(cancellationToken);
        return rows.Select(ToStored).ToList();
    }

    public async Task<IReadOnlyList<StoredMessage>> ReadRepliesAsync(string rootId, long after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Messages.AsNoTracking()
            .Where(m => m.RootId == rootId && m.Seq > after)
            .OrderBy(m => m.Seq)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return rows.Select(ToStored).ToList();
    }

    public static StoredMessage ToStored(MessageRecord r) =>
        new(r.Id, r.ChannelId, r.Seq, r.SenderId, r.Timestamp, r.Type, r.Content, r.Nonce, r.Signature, r.ClientMsgId, r.EditedAt, r.DeletedAt,
            r.RootId, r.ReplyCount, r.LastReplyAt);
}
