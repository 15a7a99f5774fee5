using System.Text.Json;
using Mediator;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Audit.Recording;

/// <summary>
/// Turns the security-relevant notifications of every module into audit records. Each handler only
/// queues (the writer stores later), so a publisher's request never waits for the audit store.
/// Details carry who, what and from where; never a password, token or file key (the notifications do
/// not carry them, and nothing here reaches for them). Individual messages are not recorded: see
/// docs/audit.md.
/// </summary>
internal sealed class AuditNotificationHandlers(IAuditRecorder recorder, TimeProvider clock) :
    INotificationHandler<UserRegistered>,
    INotificationHandler<LoginSucceeded>,
    INotificationHandler<LoginFailed>,
    INotificationHandler<PasswordChanged>,
    INotificationHandler<LoggedOut>,
    INotificationHandler<UserCreated>,
    INotificationHandler<UserUpdated>,
    INotificationHandler<UserDeleted>,
    INotificationHandler<UserPasswordReset>,
    INotificationHandler<AdminActionPerformed>,
    INotificationHandler<AdminLoginSucceeded>,
    INotificationHandler<AdminLoginFailed>,
    INotificationHandler<ChannelCreated>,
    INotificationHandler<ChannelDeleted>,
    INotificationHandler<MemberAdded>,
    INotificationHandler<MemberRemoved>,
    INotificationHandler<MessagePinned>,
    INotificationHandler<MessageUnpinned>,
    INotificationHandler<FileUploaded>,
    INotificationHandler<FileDownloaded>,
    INotificationHandler<NodeJoined>
{
    /// <summary>The actor of an event nobody authenticated for (a failed login).</summary>
    public const string Anonymous = "anonymous";

    public ValueTask Handle(UserRegistered n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.Register, User(n.UserId), new { username = n.Username, role = n.Role, client_ip = n.ClientIp }, ct);

    public ValueTask Handle(LoginSucceeded n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.Login, User(n.UserId), new { username = n.Username, client_ip = n.ClientIp }, ct);

    public ValueTask Handle(LoginFailed n, CancellationToken ct) =>
        Record(Anonymous, AuditActions.LoginFailed, "username:" + Clip(n.Username, 64), new { username = Clip(n.Username, 64), reason = n.Reason, client_ip = n.ClientIp }, ct);

    public ValueTask Handle(PasswordChanged n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.PasswordChanged, User(n.UserId), null, ct);

    public ValueTask Handle(LoggedOut n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.Logout, User(n.UserId), null, ct);

    public ValueTask Handle(UserCreated n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.UserCreated, User(n.User.Id),
            new { username = n.User.Username, role = n.User.Role, department_id = n.User.DepartmentId, is_active = n.User.IsActive }, ct);

    public ValueTask Handle(UserUpdated n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.UserUpdated, User(n.User.Id),
            new { username = n.User.Username, full_name = n.User.FullName, role = n.User.Role, department_id = n.User.DepartmentId, is_active = n.User.IsActive }, ct);

    public ValueTask Handle(UserDeleted n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.UserDeleted, User(n.UserId), new { username = n.Username }, ct);

    public ValueTask Handle(UserPasswordReset n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.UserPasswordReset, User(n.UserId), null, ct);

    public ValueTask Handle(AdminActionPerformed n, CancellationToken ct) =>
        Record(n.AdminId, AuditActions.ForAdminAction(n.Action), Clip(n.TargetResource, AuditLimits.TargetResource), null, ct,
            rawDetails: n.Details, username: n.AdminUsername);

    public ValueTask Handle(AdminLoginSucceeded n, CancellationToken ct) =>
        Record(n.AdminId, AuditActions.AdminLogin, "admin:" + n.AdminId, new { username = n.Username, client_ip = n.ClientIp }, ct);

    public ValueTask Handle(AdminLoginFailed n, CancellationToken ct) =>
        Record(Anonymous, AuditActions.AdminLoginFailed, "admin_username:" + Clip(n.Username, 64),
            new { username = Clip(n.Username, 64), reason = n.Reason, client_ip = n.ClientIp }, ct);

    public ValueTask Handle(ChannelCreated n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.ChannelCreated, Channel(n.Channel.Id),
            new { name = n.Channel.Name, type = n.Channel.Type, department_id = n.Channel.DepartmentId }, ct);

    public ValueTask Handle(ChannelDeleted n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.ChannelDeleted, Channel(n.ChannelId), new { name = n.Name }, ct);

    public ValueTask Handle(MemberAdded n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.MemberAdded, Channel(n.ChannelId), new { user_id = n.UserId, role = n.Role }, ct);

    public ValueTask Handle(MemberRemoved n, CancellationToken ct) =>
        Record(n.ActorId, AuditActions.MemberRemoved, Channel(n.ChannelId), new { user_id = n.UserId }, ct);

    public ValueTask Handle(MessagePinned n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.MessagePinned, "message:" + n.MessageId, new { channel_id = n.ChannelId }, ct);

    public ValueTask Handle(MessageUnpinned n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.MessageUnpinned, "message:" + n.MessageId, new { channel_id = n.ChannelId }, ct);

    public ValueTask Handle(FileUploaded n, CancellationToken ct) =>
        Record(n.UploaderId, AuditActions.FileUploaded, File(n.FileId), new { name = n.Name, size = n.Size, mime = n.Mime }, ct);

    public ValueTask Handle(FileDownloaded n, CancellationToken ct) =>
        Record(n.UserId, AuditActions.FileDownloaded, File(n.FileId), new { decrypted = n.Decrypted, bytes = n.Bytes }, ct);

    public ValueTask Handle(NodeJoined n, CancellationToken ct) =>
        Record("node:" + Clip(n.NodeId, 64), AuditActions.NodeJoined, "node:" + Clip(n.NodeId, 64), new { address = n.Address }, ct);

    private static string User(string id) => "user:" + Clip(id, 64);

    private static string Channel(string id) => "channel:" + Clip(id, 100);

    private static string File(string id) => "file:" + Clip(id, 64);

    private ValueTask Record(string actorId, string action, string target, object? details, CancellationToken ct,
        string? rawDetails = null, string? username = null)
    {
        var text = rawDetails is not null
            ? JsonSerializer.Serialize(new { username, details = rawDetails })
            : details is null ? "" : JsonSerializer.Serialize(details);
        var record = new AuditRecord(clock.GetUtcNow(), Clip(actorId, AuditLimits.ActorId), action, Clip(target, AuditLimits.TargetResource),
            Clip(text, AuditLimits.Details));
        return recorder.EnqueueAsync(record, ct);
    }

    /// <summary>Keeps server-made entries within the limits clients are held to, cutting on a character boundary.</summary>
    internal static string Clip(string? value, int max)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value.Length <= max)
        {
            return value;
        }

        var cut = max;
        if (char.IsHighSurrogate(value[cut - 1]))
        {
            cut--;
        }

        return value[..cut];
    }
}
