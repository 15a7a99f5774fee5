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
internal sealed record MessageUpdated(StoredMessage Message) : FanoutEvent;
internal sealed record MessageRemoved(StoredMessage Message) : FanoutEvent;
/// <summary>Goes to the channel's readers except the typist's own sockets.</summary>
internal sealed record UserTyping(string ChannelId, string UserId) : FanoutEvent;
/// <summary>Goes to the reader's own sockets, and in a DM to the other member too.</summary>
internal sealed record ReadMoved(string ChannelId, string UserId, long Seq) : FanoutEvent;
/// <summary>A v2 <c>mention</c> to every socket of each mentioned user (Mentions/).</summary>
internal sealed record UsersMentioned(StoredMessage Message, IReadOnlyList<string> UserIds) : FanoutEvent;
internal sealed record PresenceMoved(string UserId, int Status, DateTimeOffset? LastSeen) : FanoutEvent;
