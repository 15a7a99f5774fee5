using System.Text;
using System.Text.RegularExpressions;

namespace ZiyadMessenger.Modules.Audit.Recording;

/// <summary>The limits of CONTRACT §5, for entries from clients and from the server alike.</summary>
internal static partial class AuditLimits
{
    public const int ActorId = 128;
    public const int Action = 64;
    public const int TargetResource = 128;
    public const int Details = 4096;

    [GeneratedRegex("^[a-zA-Z0-9_.:-]{2,64}$")]
    public static partial Regex ActionPattern();
}

/// <summary>
/// Actions the server records itself. Their namespaces are reserved: POST /log may not use them, so an
/// entry named like a login was made by the server, not typed in by a client.
/// </summary>
internal static class AuditActions
{
    public const string Register = "auth.register";
    public const string Login = "auth.login";
    public const string LoginFailed = "auth.login_failed";
    public const string PasswordChanged = "auth.password_changed";
    public const string Logout = "auth.logout";
    public const string UserCreated = "user.created";
    public const string UserUpdated = "user.updated";
    public const string UserDeleted = "user.deleted";
    public const string UserPasswordReset = "user.password_reset";
    public const string AdminLogin = "admin.login";
    public const string AdminLoginFailed = "admin.login_failed";
    public const string ChannelCreated = "channel.created";
    public const string ChannelDeleted = "channel.deleted";
    public const string MemberAdded = "channel.member_added";
    public const string MemberRemoved = "channel.member_removed";
    public const string MessagePinned = "message.pinned";
    public const string MessageUnpinned = "message.unpinned";
    public const string FileUploaded = "file.uploaded";
    public const string FileDownloaded = "file.downloaded";
    public const string NodeJoined = "cluster.node_joined";

    public static readonly IReadOnlyList<string> ReservedPrefixes = ["auth.", "admin.", "user.", "channel.", "message.", "file.", "cluster."];

    public static bool IsReserved(string action) =>
        ReservedPrefixes.Any(prefix => action.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Admin's own action names, under <c>admin.</c> and reduced to the characters an action may hold.</summary>
    public static string ForAdminAction(string? action)
    {
        var name = string.IsNullOrWhiteSpace(action) ? "action" : action.Trim();
        if (!name.StartsWith("admin.", StringComparison.OrdinalIgnoreCase))
        {
            name = "admin." + name;
        }

        var clean = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            clean.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-' ? c : '_');
        }

        return clean.Length > AuditLimits.Action ? clean.ToString(0, AuditLimits.Action) : clean.ToString();
    }
}
