using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>Looks up a message by id for the caller, hiding those of channels they cannot read (now: a removed member loses access at once).</summary>
internal sealed class MessageAccess(IMessageStore store, ChannelDirectory channels)
{
    /// <summary>A message of a channel the caller can read; 404 otherwise (someone else's unreadable message does not exist for them).</summary>
    public async Task<(StoredMessage Message, ChannelState Channel)> FindReadableAsync(string userId, string messageId, CancellationToken cancellationToken)
    {
        var message = messageId.Length is 0 or > MaxIdLength ? null : await store.FindAsync(messageId, cancellationToken);
        if (message is null || channels.Find(message.ChannelId) is not { } channel || !channel.CanAccess(userId))
        {
            throw AppException.NotFound("No such message.");
        }

        return (message, channel);
    }

    /// <summary>One of the caller's own messages: 404 when unreadable, 403 when someone else's.</summary>
    public async Task<StoredMessage> FindOwnAsync(string userId, string messageId, CancellationToken cancellationToken)
    {
        var (message, _) = await FindReadableAsync(userId, messageId, cancellationToken);
        if (message.SenderId != userId)
        {
            throw AppException.Forbidden("You can only change your own messages.");
        }

        return message;
    }

    /// <summary>Message ids are GUIDs; anything much longer is not one, and is not worth a query.</summary>
    public const int MaxIdLength = 64;
}
