using Mediator;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>
/// An edit may add or take away mentions. Run from Messaging's notification queue after the edit is
/// committed (and after its <c>message_updated</c> went out); it reads the message as it is now, so
/// edits in quick succession end in the right state. Only a user this message never mentioned before
/// is notified: an edit that puts back a mention an earlier edit removed does not notify again.
/// </summary>
internal sealed class MentionsOnEdit(IMessageStore messages, ChannelDirectory channels, MentionResolver resolver, IMentionStore store,
    IFanout fanout, TimeProvider time) : INotificationHandler<MessageEdited>
{
    public async ValueTask Handle(MessageEdited notification, CancellationToken cancellationToken)
    {
        var message = await messages.FindAsync(notification.MessageId, cancellationToken);
        if (message is null || message.DeletedAt is not null || channels.Find(message.ChannelId) is not { } channel)
        {
            return;
        }

        var parsed = MentionParser.Parse(message.Type, message.Content);
        var mentioned = parsed.IsEmpty ? null : await resolver.ResolveAsync(channel, message.SenderId, parsed, cancellationToken);
        var fresh = store.Replace(message, mentioned ?? [], time.GetUtcNow().ToUnixTimeMilliseconds());
        if (fresh.Count > 0)
        {
            fanout.Publish(new UsersMentioned(message, fresh));
        }
    }
}
