using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Messaging;

public static class ChannelTypes
{
    public const string Public = "public";
    public const string Private = "private";
    public const string Direct = "dm";
}

public sealed record ChannelInfo(
    string Id,
    string Name,
    string Type,
    string? DepartmentId,
    DateTimeOffset CreatedAt,
    int MemberCount,
    long LastSeq);

public sealed record ChannelMemberInfo(string ChannelId, string UserId, string Role, DateTimeOffset JoinedAt);

public sealed record MessageStats(long Total, long LastHour, long Today, IReadOnlyList<int> PerMinuteLastHour);

public sealed record ConnectionStats(int OpenSockets, int ConnectedUsers);

// Channel administration, sent by Admin. ActorId is the admin acting.
public sealed record CreateChannel(string Name, string Type, string? DepartmentId, string ActorId) : ICommand<ChannelInfo>;
public sealed record DeleteChannel(string ChannelId, string ActorId) : ICommand;
public sealed record AddChannelMember(string ChannelId, string UserId, string Role, string ActorId) : ICommand<ChannelMemberInfo>;
public sealed record RemoveChannelMember(string ChannelId, string UserId, string ActorId) : ICommand;
public sealed record ListChannels(bool IncludeDirect = false) : IQuery<IReadOnlyList<ChannelInfo>>;
public sealed record GetChannel(string ChannelId) : IQuery<ChannelInfo?>;
public sealed record ListChannelMembers(string ChannelId) : IQuery<IReadOnlyList<ChannelMemberInfo>>;

// Monitoring.
public sealed record GetMessageStats : IQuery<MessageStats>;
public sealed record GetConnectionStats : IQuery<ConnectionStats>;

/// <summary>
/// Pushes a presence change as a v2 <c>presence</c> event to the sockets that should see it. Sent by
/// Presence; Messaging owns the sockets and decides the recipients.
/// </summary>
public sealed record BroadcastPresence(string UserId, int Status, DateTimeOffset? LastSeen) : ICommand;

// What Messaging tells the rest of the system, after commit.
public sealed record MessageSent(string MessageId, string ChannelId, string SenderId, long Seq, int Type, DateTimeOffset Timestamp, int ContentBytes) : INotification;
public sealed record MessageEdited(string MessageId, string ChannelId, string SenderId, long Seq) : INotification;
public sealed record MessageDeleted(string MessageId, string ChannelId, string SenderId, long Seq) : INotification;
/// <summary>A user pinned a message of a channel (audited: pins shape what everyone in the channel sees first).</summary>
public sealed record MessagePinned(string MessageId, string ChannelId, string UserId) : INotification;
/// <summary>A user unpinned a message; <paramref name="UserId"/> is the sender when the pin went with a deleted message.</summary>
public sealed record MessageUnpinned(string MessageId, string ChannelId, string UserId) : INotification;
/// <param name="OpenSockets">The user's open sockets after this one connected.</param>
public sealed record UserConnected(string UserId, string ConnectionId, int OpenSockets) : INotification;
/// <param name="OpenSockets">The user's open sockets after this one closed.</param>
public sealed record UserDisconnected(string UserId, string ConnectionId, int OpenSockets) : INotification;
public sealed record ChannelCreated(ChannelInfo Channel, string ActorId) : INotification;
public sealed record ChannelDeleted(string ChannelId, string Name, string ActorId) : INotification;
public sealed record MemberAdded(string ChannelId, string UserId, string Role, string ActorId) : INotification;
public sealed record MemberRemoved(string ChannelId, string UserId, string ActorId) : INotification;
