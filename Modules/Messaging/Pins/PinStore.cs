using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.Pins;

/// <summary>A channel's pinned messages. Not the hot path: plain EF Core, and one statement with quoted names that runs on both providers.</summary>
internal sealed class PinStore(IDbContextFactory<MessagingDbContext> contexts)
{
    /// <summary>Pins listed at most; a channel with more shows its newest.</summary>
    public const int MaxListed = 500;

    /// <returns>False when the message was pinned already (the first pin keeps its author and time).</returns>
    public async Task<bool> PinAsync(string messageId, string channelId, string userId, long now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO messaging_pins (\"MessageId\", \"ChannelId\", \"PinnedBy\", \"PinnedAt\") VALUES ({messageId}, {channelId}, {userId}, {now}) ON CONFLICT DO NOTHING",
            cancellationToken) > 0;
    }

    /// <returns>False when the message was not pinned.</returns>
    public async Task<bool> UnpinAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Pins.Where(p => p.MessageId == messageId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    public async Task<bool> IsPinnedAsync(string messageId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Pins.AnyAsync(p => p.MessageId == messageId, cancellationToken);
    }

    /// <summary>Newest pin first.</summary>
    public async Task<IReadOnlyList<PinRecord>> ListAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Pins.AsNoTracking().Where(p => p.ChannelId == channelId)
            .OrderByDescending(p => p.PinnedAt).ThenByDescending(p => p.MessageId)
            .Take(MaxListed)
            .ToListAsync(cancellationToken);
    }
}
