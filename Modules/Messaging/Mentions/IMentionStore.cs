using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>
/// The mentions table (one row per mentioned user and message), per provider. New mentions are written
/// by the store's writer in the message's own transaction; this is the rest.
/// </summary>
internal interface IMentionStore
{
    /// <summary>
    /// After an edit: the message now mentions exactly <paramref name="userIds"/>. Mentions the edit took
    /// away go inactive; ones it brought back come back silently; returns the users mentioned by this
    /// message for the first time, the only ones to notify.
    /// </summary>
    IReadOnlyList<string> Replace(StoredMessage message, IReadOnlyCollection<string> userIds, long now);

    /// <summary>Per channel, the caller's mentions above their read cursor (deleted messages and taken-back mentions not counted).</summary>
    Dictionary<string, long> CountUnread(string userId);

    /// <summary>The caller's mentions in the given channels, newest first, mentioned before <paramref name="before"/>.</summary>
    List<MentionedMessage> List(string userId, IReadOnlyCollection<string> channelIds, long before, int limit);
}

internal sealed record MentionedMessage(StoredMessage Message, long MentionedAt);
