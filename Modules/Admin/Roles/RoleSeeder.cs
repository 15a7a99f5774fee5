using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Admin.Roles;

internal static class RoleSeeder
{
    /// <summary>The role new users get unless told otherwise, so the roles page is never empty.</summary>
    public static async Task SeedAsync(AdminDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await db.Roles.AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.Roles.Add(new UserRole
        {
            Id = Guid.NewGuid().ToString(),
            Name = "member",
            Description = "Every staff member: chat, files, the directory.",
            Permissions = JsonSerializer.Serialize(UserPermissions.MemberDefault),
            CreatedAt = now,
            UpdatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // Another node on the same PostgreSQL database seeded it at the same moment: theirs stands.
            db.ChangeTracker.Clear();
        }
    }
}
