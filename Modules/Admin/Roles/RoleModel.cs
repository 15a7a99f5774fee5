using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Roles;

/// <summary>
/// The permissions a role can give a user. A role of the roles table may also hold admin permissions
/// (<see cref="AdminPermission"/>): an admin account with that role gets those.
/// </summary>
internal static class UserPermissions
{
    public static readonly IReadOnlyList<string> All =
    [
        "messages.send", "messages.edit_own", "messages.delete_own", "files.upload", "files.download",
        "channels.read_public", "channels.create", "directory.read", "presence.read",
    ];

    public static readonly IReadOnlyList<string> MemberDefault =
        ["messages.send", "messages.edit_own", "messages.delete_own", "files.upload", "files.download", "channels.read_public", "directory.read", "presence.read"];

    /// <summary>Every permission a role may list: the user ones, then the admin ones.</summary>
    public static readonly IReadOnlyList<string> Known = [.. All, .. AdminPermission.All];
}

internal sealed record RoleView(string Id, string Name, string Description, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RoleView From(UserRole r) => new(r.Id, r.Name, r.Description, JsonSerializer.Deserialize<List<string>>(r.Permissions) ?? [], r.CreatedAt, r.UpdatedAt);
}

internal static class RoleRules
{
    public const string NamePattern = "^[a-zA-Z0-9_.-]{2,40}$";

    public static IRuleBuilderOptions<T, string> RoleName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(NamePattern).WithMessage("Use 2–40 letters, digits, '_', '.' or '-'.")
            .Must(n => !AdminRoles.IsBuiltIn(n)).WithMessage("The built-in admin roles (super_admin, admin, viewer) cannot be defined here.");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> KnownPermissions<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.Must(p => p.All(UserPermissions.Known.Contains))
            .WithMessage($"Unknown permission. Known: {string.Join(", ", UserPermissions.Known)}.");

    public static string Conflict(string name) => $"A role named '{name}' already exists.";

    public static AppException NotFound(string id) => AppException.NotFound($"No role with id '{id}'.");

    /// <summary>
    /// An admin can only hand out admin permissions it holds itself: otherwise an admin with
    /// <c>roles.write</c> could give its own role <c>admins.write</c>. Adding or removing one counts.
    /// </summary>
    public static void EnsureGrantable(IReadOnlySet<string> callerHolds, IEnumerable<string> changedAdminPermissions)
    {
        var beyond = changedAdminPermissions.Where(p => !callerHolds.Contains(p)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (beyond.Count > 0)
        {
            throw AppException.Forbidden($"You cannot grant or withdraw permissions you do not hold yourself: {string.Join(", ", beyond)}.");
        }
    }
}

/// <summary>
/// Who holds a role: users (by name, in Auth) and admin accounts (by name, here). A role still held
/// cannot be deleted, and a rename is carried over to everyone holding it.
/// </summary>
internal sealed class RoleHolders(AdminDbContext db, ISender sender)
{
    public async Task<IReadOnlyList<UserInfo>> UsersAsync(string roleName, CancellationToken cancellationToken) =>
        await AuthUsers.WhereAsync(sender, u => string.Equals(u.Role, roleName, StringComparison.OrdinalIgnoreCase), cancellationToken);

    public async Task<IReadOnlyList<AdminAccount>> AdminsAsync(string roleName, CancellationToken cancellationToken) =>
        await db.Admins.Where(a => a.Role == roleName).ToListAsync(cancellationToken);

    /// <summary>The rule "a role still held stays": 409 naming how many hold it.</summary>
    public async Task EnsureNotHeldAsync(UserRole role, CancellationToken cancellationToken)
    {
        var users = (await UsersAsync(role.Name, cancellationToken)).Count;
        var admins = (await AdminsAsync(role.Name, cancellationToken)).Count;
        if (users + admins > 0)
        {
            throw AppException.Conflict($"The role '{role.Name}' is still held by {users} user(s) and {admins} admin(s): give them another role first.");
        }
    }
}
