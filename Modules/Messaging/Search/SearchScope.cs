using ZiyadMessenger.Modules.Messaging.Channels;

namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary>
/// The channels a search may return messages from, and whether the index itself should be told them.
/// The messages are always checked against <see cref="ChannelIds"/> (the access rule); the question is
/// only how many matches are read to fill a page. FTS5 walks the matches of the words newest first:
/// when every stored message is in a channel the caller may read, each match is a result and a page
/// costs ~limit matches. When some are not, a common word whose matches are mostly elsewhere would be
/// walked to the end (at 1,000,000 messages, ~100 ms for a word in 30% of them and a caller who reads
/// none of them). Then <see cref="IndexChannelIds"/> is set: the expression also requires one of the
/// caller's channels in the index's channel column, and FTS5 intersects the two doclists, which costs a
/// little per channel (~20 µs each at 1,000,000 messages) and never a walk over other people's messages.
/// </summary>
internal sealed record SearchScope(IReadOnlyCollection<string> ChannelIds, IReadOnlyCollection<string>? IndexChannelIds)
{
    /// <summary>More channels than this in one expression would cost more than the walk it saves.</summary>
    public const int MaxIndexChannels = 256;

    public static SearchScope None { get; } = new([], null);

    /// <param name="readable">The channels the caller may read now (already narrowed to channel_id when given).</param>
    /// <param name="all">Every channel.</param>
    public static SearchScope For(IReadOnlyCollection<ChannelState> readable, IEnumerable<ChannelState> all)
    {
        long readableMessages = 0, allMessages = 0;
        var withMessages = new List<string>(readable.Count);
        foreach (var channel in readable)
        {
            readableMessages += channel.LastSeq;
            // A channel with nothing acknowledged has nothing to find (LastSeq moves before the ack).
            if (channel.LastSeq > 0)
            {
                withMessages.Add(channel.Id);
            }
        }

        foreach (var channel in all)
        {
            allMessages += channel.LastSeq;
        }

        var ids = readable.Select(c => c.Id).ToList();
        var othersHoldMessages = allMessages > readableMessages;
        return new SearchScope(ids, othersHoldMessages && withMessages.Count <= MaxIndexChannels ? withMessages : null);
    }
}
