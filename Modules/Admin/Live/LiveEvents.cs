using Mediator;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Presence;

namespace ZiyadMessenger.Modules.Admin.Live;

/// <summary>
/// Turns what happens in the system into live events for the dashboard. Payloads carry ids, sizes and
/// kinds, never message content or file keys.
/// </summary>
internal sealed class LiveEvents(LiveHub hub, LiveNames names) :
    INotificationHandler<UserConnected>,
    INotificationHandler<UserDisconnected>,
    INotificationHandler<MessageSent>,
    INotificationHandler<MessageEdited>,
    INotificationHandler<MessageDeleted>,
    INotificationHandler<FileUploaded>,
    INotificationHandler<FileDownloaded>,
    INotificationHandler<ChannelCreated>,
    INotificationHandler<ChannelDeleted>,
    INotificationHandler<MemberAdded>,
    INotificationHandler<MemberRemoved>,
    INotificationHandler<PresenceChanged>,
    INotificationHandler<LoginSucceeded>,
    INotificationHandler<LoginFailed>,
    INotificationHandler<UserRegistered>,
    INotificationHandler<NodeJoined>,
    INotificationHandler<AdminActionPerformed>
{
    public ValueTask Handle(UserConnected n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UserId, ct);
        hub.Broadcast("user_connected", new { user_id = n.UserId, username = user?.Username, full_name = user?.FullName, open_sockets = n.OpenSockets });
    });

    public ValueTask Handle(UserDisconnected n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UserId, ct);
        hub.Broadcast("user_disconnected", new { user_id = n.UserId, username = user?.Username, full_name = user?.FullName, open_sockets = n.OpenSockets });
    });

    public ValueTask Handle(MessageSent n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var from = await look.UserAsync(n.SenderId, ct);
        var channel = await look.ChannelAsync(n.ChannelId, ct);
        hub.Broadcast("message", new
        {
            message_id = n.MessageId, channel_id = n.ChannelId, channel_name = channel, sender_id = n.SenderId,
            sender_username = from?.Username, sender_full_name = from?.FullName, seq = n.Seq, type = n.Type, bytes = n.ContentBytes, timestamp = n.Timestamp,
        });
    });

    public ValueTask Handle(MessageEdited n, CancellationToken cancellationToken) =>
        Send("message_edited", new { message_id = n.MessageId, channel_id = n.ChannelId, sender_id = n.SenderId, seq = n.Seq });

    public ValueTask Handle(MessageDeleted n, CancellationToken cancellationToken) =>
        Send("message_deleted", new { message_id = n.MessageId, channel_id = n.ChannelId, sender_id = n.SenderId, seq = n.Seq });

    public ValueTask Handle(FileUploaded n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UploaderId, ct);
        hub.Broadcast("file_uploaded", new { file_id = n.FileId, name = n.Name, size = n.Size, mime = n.Mime, user_id = n.UploaderId, username = user?.Username, full_name = user?.FullName });
    });

    public ValueTask Handle(FileDownloaded n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UserId, ct);
        hub.Broadcast("file_downloaded", new { file_id = n.FileId, user_id = n.UserId, username = user?.Username, full_name = user?.FullName, bytes = n.Bytes, decrypted = n.Decrypted });
    });

    public ValueTask Handle(ChannelCreated n, CancellationToken cancellationToken) =>
        Send("channel_created", new { channel_id = n.Channel.Id, name = n.Channel.Name, type = n.Channel.Type, actor_id = n.ActorId });

    public ValueTask Handle(ChannelDeleted n, CancellationToken cancellationToken) =>
        Send("channel_deleted", new { channel_id = n.ChannelId, name = n.Name, actor_id = n.ActorId });

    public ValueTask Handle(MemberAdded n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UserId, ct);
        var channel = await look.ChannelAsync(n.ChannelId, ct);
        hub.Broadcast("member_added", new { channel_id = n.ChannelId, channel_name = channel, user_id = n.UserId, username = user?.Username, full_name = user?.FullName, role = n.Role, actor_id = n.ActorId });
    });

    public ValueTask Handle(MemberRemoved n, CancellationToken cancellationToken) => Named(async (look, ct) =>
    {
        var user = await look.UserAsync(n.UserId, ct);
        var channel = await look.ChannelAsync(n.ChannelId, ct);
        hub.Broadcast("member_removed", new { channel_id = n.ChannelId, channel_name = channel, user_id = n.UserId, username = user?.Username, full_name = user?.FullName, actor_id = n.ActorId });
    });

    public ValueTask Handle(PresenceChanged n, CancellationToken cancellationToken) =>
        Send("presence", new { user_id = n.UserId, status = n.Status.ToString().ToLowerInvariant(), last_seen = n.LastSeen });

    public ValueTask Handle(LoginSucceeded n, CancellationToken cancellationToken) =>
        Send("login", new { user_id = n.UserId, username = n.Username, success = true });

    public ValueTask Handle(LoginFailed n, CancellationToken cancellationToken) =>
        Send("login_failed", new { username = n.Username, reason = n.Reason });

    public ValueTask Handle(UserRegistered n, CancellationToken cancellationToken) =>
        Send("user_registered", new { user_id = n.UserId, username = n.Username, role = n.Role });

    public ValueTask Handle(NodeJoined n, CancellationToken cancellationToken) =>
        Send("node_joined", new { node_id = n.NodeId, address = n.Address });

    public ValueTask Handle(AdminActionPerformed n, CancellationToken cancellationToken) =>
        Send("admin_action", new { admin_id = n.AdminId, admin = n.AdminUsername, action = n.Action, target = n.TargetResource });

    /// <summary>Events that carry names: queued for the lookup worker, only while a dashboard is watching.</summary>
    private ValueTask Named(Func<LiveNames.Lookup, CancellationToken, Task> work)
    {
        if (hub.Count > 0)
        {
            names.Enqueue(work);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask Send(string name, object payload)
    {
        hub.Broadcast(name, payload);
        return ValueTask.CompletedTask;
    }
}
