using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Data;

/// <summary>Admin's own tables: admin accounts and the office's roles, departments and devices.</summary>
internal class AdminDbContext : DbContext
{
    public AdminDbContext(DbContextOptions<AdminDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresAdminDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected AdminDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<AdminAccount> Admins => Set<AdminAccount>();
    public DbSet<UserRole> Roles => Set<UserRole>();
    public DbSet<Department> Departments => Set<Department>();
    public DbSet<Device> Devices => Set<Device>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<AdminAccount>(e =>
        {
            e.ToTable("admin_admins");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasMaxLength(36);
            // NOCASE: "Admin" and "admin" are the same account.
            e.Property(a => a.Username).HasMaxLength(32).UseCollation("NOCASE");
            e.HasIndex(a => a.Username).IsUnique();
            e.Property(a => a.PasswordHash).HasMaxLength(200);
            e.Property(a => a.Role).HasMaxLength(40);
        });
        model.Entity<UserRole>(e =>
        {
            e.ToTable("admin_roles");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasMaxLength(36);
            e.Property(r => r.Name).HasMaxLength(40).UseCollation("NOCASE");
            e.HasIndex(r => r.Name).IsUnique();
            e.Property(r => r.Description).HasMaxLength(200);
            e.Property(r => r.Permissions).HasMaxLength(4000);
        });
        model.Entity<Department>(e =>
        {
            e.ToTable("admin_departments");
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).HasMaxLength(36);
            e.Property(d => d.Name).HasMaxLength(80).UseCollation("NOCASE");
            e.HasIndex(d => d.Name).IsUnique();
            e.Property(d => d.Description).HasMaxLength(200);
        });
        model.Entity<Device>(e =>
        {
            e.ToTable("admin_devices");
            e.HasKey(d => d.Id);
            e.Property(d => d.Id).HasMaxLength(36);
            e.Property(d => d.Name).HasMaxLength(80);
            e.Property(d => d.Kind).HasMaxLength(40);
            e.Property(d => d.Identifier).HasMaxLength(128).UseCollation("NOCASE");
            e.HasIndex(d => d.Identifier).IsUnique();
            e.Property(d => d.UserId).HasMaxLength(64);
            e.Property(d => d.Notes).HasMaxLength(500);
        });

        model.AddLoginLockouts("admin_login_lockouts");
    }
}

internal sealed class AdminAccount
{
    public required string Id { get; init; }
    public required string Username { get; set; }
    public required string PasswordHash { get; set; }
    public required string Role { get; set; }
    /// <summary>Raised whenever the account's tokens must stop working (password, role, deletion).</summary>
    public int TokenVersion { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
}

/// <summary>A role users can hold (member, manager, ...), with the permissions it grants.</summary>
internal sealed class UserRole
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Permission names, stored as a JSON array.</summary>
    public string Permissions { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class Department
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A registered office device (desktop, laptop, phone), optionally assigned to a user.</summary>
internal sealed class Device
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required string Kind { get; set; }
    /// <summary>What identifies the machine on the LAN: a hostname, MAC or asset tag. Unique.</summary>
    public required string Identifier { get; set; }
    public string? UserId { get; set; }
    public bool IsActive { get; set; } = true;
    public string Notes { get; set; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class AdminDbContextFactory : IDesignTimeDbContextFactory<AdminDbContext>
{
    public AdminDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AdminDbContext>().UseZiyadSqlite(new StorePaths("design-time"), "admin").Options);
}
