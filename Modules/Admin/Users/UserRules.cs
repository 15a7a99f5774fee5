using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Users;

/// <summary>What Admin checks before asking Auth to create or change a user.</summary>
internal static class UserRules
{
    public static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    public static AppException NotFound(string id) => AppException.NotFound($"No user with id '{id}'.");

    /// <summary>
    /// The role a user gets: a row of the roles table by id, or a name; never a built-in admin role
    /// (those belong to admin accounts).
    /// </summary>
    public static async Task<string?> ResolveRoleAsync(AdminDbContext db, string? roleId, string? roleName, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(roleId))
        {
            var role = await db.Roles.AsNoTracking().FirstOrDefaultAsync(r => r.Id == roleId, cancellationToken)
                ?? throw AppException.Field("role_id", $"No role with id '{roleId}'.");
            return role.Name;
        }

        if (string.IsNullOrEmpty(roleName))
        {
            return null;
        }

        if (AdminRoles.IsBuiltIn(roleName))
        {
            throw AppException.Field("role", "Admin roles cannot be given to users; create an admin account instead.");
        }

        return roleName;
    }

    /// <summary>A user's department exists (400 on <c>department_id</c> otherwise).</summary>
    public static async Task EnsureDepartmentAsync(AdminDbContext db, string? departmentId, CancellationToken cancellationToken)
    {
        if (departmentId is not null && !await db.Departments.AnyAsync(d => d.Id == departmentId, cancellationToken))
        {
            throw AppException.Field("department_id", $"No department with id '{departmentId}'.");
        }
    }
}
