using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// Hands committed events to every socket that should see them. One node delivers to its own sockets;
/// a multi-node deployment puts a backplane behind this interface and each node delivers locally. The
/// order of <see cref="Publish"/> calls is the order of delivery.
/// </summary>
internal interface IFanout
{
    void Publish(FanoutEvent fanoutEvent);
}

internal abstract record FanoutEvent;

internal sealed record MessageCreated(StoredMessage Message) : FanoutEvent;
/// <param name="View">The edited message as readers see it (with its reactions).</param>
internal sealed record MessageUpdated(StoredMessage Message, MessageView View) : FanoutEvent;
internal sealed record MessageRemoved(StoredMessage Message) : FanoutEvent;
/// <summary>Goes to the channel's readers except the typist's own sockets.</summary>
internal sealed record UserTyping(string ChannelId, string UserId) : FanoutEvent;
/// <summary>Goes to the reader's own sockets, and in a DM to the other member too.</summary>
internal sealed record ReadMoved(string ChannelId, string UserId, long Seq) : FanoutEvent;
internal sealed record PresenceMoved(string UserId, int Status, DateTimeOffset? LastSeen) : FanoutEvent;
/// <summary>A user added (or removed) their reaction: goes to the channel's readers (v2 only).</summary>
internal sealed record ReactionChanged(string MessageId, string ChannelId, string Emoji, string UserId, bool Added) : FanoutEvent;
/// <summary>A message was pinned (or unpinned): goes to the channel's readers (v2 only).</summary>
internal sealed record PinChanged(string MessageId, string ChannelId, string UserId, bool Pinned) : FanoutEvent;
