using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>
/// On a first start with no admin account, creates <c>admin</c> (super_admin). Its password is the
/// configured <c>ZiyadMessenger:Admin:InitialPassword</c>, or a random one shown once on standard
/// error. There is no built-in password.
/// </summary>
internal static class AdminSeeder
{
    public const string FirstAdminName = "admin";

    public static async Task SeedAsync(AdminDbContext db, IPasswordHasher hasher, AdminSettings settings, AdminTokenRegistry registry, ILogger logger, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await db.Admins.AnyAsync(cancellationToken))
        {
            var configured = settings.InitialPassword;
            if (configured is not null && (configured.Length < 8 || configured.Length > 128))
            {
                throw new InvalidOperationException("ZiyadMessenger:Admin:InitialPassword must be 8–128 characters long.");
            }

            var password = configured ?? PasswordGenerator.Generate(20);
            var now = clock.GetUtcNow();
            db.Admins.Add(new AdminAccount
            {
                Id = Guid.NewGuid().ToString(),
                Username = FirstAdminName,
                PasswordHash = await hasher.HashAsync(password, cancellationToken),
                Role = AdminRoles.SuperAdmin,
                TokenVersion = 1,
                CreatedAt = now,
                UpdatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);

            if (configured is null)
            {
                // Straight to the console, not through the logger: log files are kept and shipped, and
                // a password must never land in them. This is the only time it is shown.
                Console.Error.WriteLine();
                Console.Error.WriteLine("==================================================================");
                Console.Error.WriteLine(" First start: created the admin account 'admin'.");
                Console.Error.WriteLine($" One-time password: {password}");
                Console.Error.WriteLine(" Log in to the dashboard on the admin port and change it now.");
                Console.Error.WriteLine(" It will not be shown again.");
                Console.Error.WriteLine("==================================================================");
                Console.Error.WriteLine();
                logger.LogWarning("Created the first admin account 'admin' with a random password, shown once on the console (not in the logs). Change it after logging in.");
            }
            else
            {
                logger.LogWarning("Created the first admin account 'admin' with the configured initial password. Change it after logging in.");
            }
        }

        foreach (var admin in await db.Admins.AsNoTracking().Select(a => new { a.Id, a.TokenVersion }).ToListAsync(cancellationToken))
        {
            registry.Apply(admin.Id, admin.TokenVersion);
        }
    }
}
