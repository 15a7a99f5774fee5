using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>
/// A channel's newest seq as the store has it. On one node (SQLite) the directory is the truth: only this
/// node's writer moves it. On PostgreSQL other nodes write to the same channels, so where a read decides
/// something by the newest seq (a read cursor is capped at it, unread counts start from it) the store's
/// LastSeq is read and the directory moved on to it, instead of trusting a directory that may lag.
/// </summary>
internal sealed class StoreLastSeqs(StoreOptions store)
{
    public async Task RefreshAsync(MessagingDbContext db, IReadOnlyCollection<ChannelState> channels, CancellationToken cancellationToken)
    {
        if (!store.IsPostgres || channels.Count == 0)
        {
            return;
        }

        var ids = channels.Select(c => c.Id).ToList();
        var seqs = await db.Channels.AsNoTracking().Where(c => ids.Contains(c.Id))
            .ToDictionaryAsync(c => c.Id, c => c.LastSeq, StringComparer.Ordinal, cancellationToken);
        foreach (var channel in channels)
        {
            if (seqs.TryGetValue(channel.Id, out var seq))
            {
                channel.AdvanceSeq(seq);
            }
        }
    }
}
