using FluentValidation;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Admin.Roles;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>The rules every change to an admin account answers to, named so a reader can find them.</summary>
internal sealed class AdminAccountRules(AdminDbContext db, AdminRolePermissions grants)
{
    /// <summary>
    /// Two concurrent demotions or deletions could each see "another super_admin exists" and leave none:
    /// the changes that can take a super_admin away run one at a time.
    /// </summary>
    public static readonly SemaphoreSlim SuperAdminGate = new(1, 1);

    public async Task<AdminAccount> FindAsync(string id, CancellationToken cancellationToken) =>
        await db.Admins.FirstOrDefaultAsync(a => a.Id == id, cancellationToken)
        ?? throw AppException.NotFound($"No admin with id '{id}'.");

    /// <summary>The rule "the last super_admin stays": without one, nobody could manage admins any more.</summary>
    public async Task<bool> IsLastSuperAdminAsync(AdminAccount admin, CancellationToken cancellationToken) =>
        admin.Role == AdminRoles.SuperAdmin &&
        !await db.Admins.AnyAsync(a => a.Role == AdminRoles.SuperAdmin && a.Id != admin.Id, cancellationToken);

    /// <summary>
    /// The role exists (built in, or a row of the roles table: 400 on <c>role</c> otherwise), and the caller
    /// holds every admin permission it carries: an admin cannot give, or take away, more than it holds.
    /// </summary>
    public async Task EnsureRoleGrantableAsync(AdminActor actor, string role, CancellationToken cancellationToken, bool mustExist = true)
    {
        if (mustExist && !AdminRoles.IsBuiltIn(role) && !await db.Roles.AnyAsync(r => r.Name == role, cancellationToken))
        {
            throw AppException.Field("role", $"No role named '{role}': use super_admin, admin, viewer or a role from the roles list.");
        }

        if (mustExist && AdminRoles.IsBuiltIn(role) && AdminRoles.GrantsOf(role) is null)
        {
            throw AppException.Field("role", $"Built-in roles are written in lower case: '{role.ToLowerInvariant()}'.");
        }

        RoleRules.EnsureGrantable(await grants.OfRoleAsync(actor.Role, cancellationToken), await grants.OfRoleAsync(role, cancellationToken));
    }
}

internal static class AdminRoleRules
{
    /// <summary>A built-in role or the name of a role of the roles table; whether that role exists is checked on commit.</summary>
    public static IRuleBuilderOptions<T, string> AdminRoleName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Must(r => AdminRoles.GrantsOf(r) is not null || (!AdminRoles.IsBuiltIn(r) && System.Text.RegularExpressions.Regex.IsMatch(r, RoleRules.NamePattern)))
            .WithMessage("Role must be super_admin, admin, viewer or the name of a role from the roles list.");
}
