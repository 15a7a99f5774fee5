using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Reactions;

internal enum ReactionOutcome
{
    Added,
    AlreadyThere,
    TooManyEmoji,
}

/// <summary>Reactions, one row per (message, emoji, user). Not the hot path: plain EF Core.</summary>
internal sealed class ReactionStore(IDbContextFactory<MessagingDbContext> contexts)
{
    public const int MaxDistinctPerMessage = 50;

    /// <summary>
    /// Adds the user's reaction unless it is there already or it would be the message's 51st emoji. One
    /// statement decides and inserts, so two users adding new emoji at once cannot both slip past the cap.
    /// </summary>
    public async Task<ReactionOutcome> AddAsync(string messageId, string emoji, string userId, long now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = db.Database.IsNpgsql() ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        if (transaction is not null)
        {
            // SQLite runs one writer at a time; on PostgreSQL two nodes (or two requests) could each count 49
            // emoji and both insert a new one. The message's row lock makes the count and the insert one step.
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT 1 FROM messaging_messages WHERE \"Id\" = {messageId} FOR UPDATE", cancellationToken);
        }

        // A reaction's time is also its place in the order (emoji in the order first used, users in the
        // order they reacted), so it is kept above the message's latest one: two reactions in the same
        // millisecond would otherwise have no order. The row lock (PostgreSQL) or the one writer (SQLite)
        // makes that read and the insert one step.
        var latest = await db.Reactions.Where(r => r.MessageId == messageId).MaxAsync(r => (long?)r.CreatedAt, cancellationToken);
        var at = latest is { } last && last >= now ? last + 1 : now;

        // Quoted names: the same statement on SQLite and PostgreSQL (which folds unquoted names to lower case).
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO messaging_reactions ("MessageId", "Emoji", "UserId", "CreatedAt")
            SELECT {messageId}, {emoji}, {userId}, {at}
            WHERE EXISTS (SELECT 1 FROM messaging_reactions WHERE "MessageId" = {messageId} AND "Emoji" = {emoji})
               OR (SELECT COUNT(DISTINCT "Emoji") FROM messaging_reactions WHERE "MessageId" = {messageId}) < {MaxDistinctPerMessage}
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        if (inserted > 0)
        {
            return ReactionOutcome.Added;
        }

        return await db.Reactions.AnyAsync(r => r.MessageId == messageId && r.Emoji == emoji && r.UserId == userId, cancellationToken)
            ? ReactionOutcome.AlreadyThere
            : ReactionOutcome.TooManyEmoji;
    }

    /// <returns>False when the user had no such reaction.</returns>
    public async Task<bool> RemoveAsync(string messageId, string emoji, string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Reactions.Where(r => r.MessageId == messageId && r.Emoji == emoji && r.UserId == userId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The reactions of these messages, by message id: each emoji once, in the order it was first used, with its users in the order they reacted.</summary>
    public async Task<Dictionary<string, IReadOnlyList<ReactionView>>> LoadAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<ReactionView>>(StringComparer.Ordinal);
        if (messageIds.Count == 0)
        {
            return result;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Reactions.AsNoTracking()
            .Where(r => messageIds.Contains(r.MessageId))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.UserId)
            .Select(r => new { r.MessageId, r.Emoji, r.UserId })
            .ToListAsync(cancellationToken);
        foreach (var message in rows.GroupBy(r => r.MessageId, StringComparer.Ordinal))
        {
            result[message.Key] = message
                .GroupBy(r => r.Emoji, StringComparer.Ordinal)
                .Select(e => new ReactionView(e.Key, e.Count(), e.Select(r => r.UserId).ToList()))
                .ToList();
        }

        return result;
    }
}
