using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Admin.Data;

/// <summary>Admin's tables on PostgreSQL: the model of <see cref="AdminDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresAdminDbContext(DbContextOptions<PostgresAdminDbContext> options) : AdminDbContext(options)
{
    /// <summary>
    /// SQLite's NOCASE on PostgreSQL: an ICU collation that compares case-insensitively, so "Admin" and
    /// "admin" are still one account (equality and the unique indexes honour it).
    /// </summary>
    private const string CaseInsensitive = "ziyad_nocase";

    protected override void OnModelCreating(ModelBuilder model)
    {
        base.OnModelCreating(model);
        model.HasCollation(CaseInsensitive, locale: "und-u-ks-level2", provider: "icu", deterministic: false);
        model.Entity<AdminAccount>().Property(a => a.Username).UseCollation(CaseInsensitive);
        model.Entity<UserRole>().Property(r => r.Name).UseCollation(CaseInsensitive);
        model.Entity<Department>().Property(d => d.Name).UseCollation(CaseInsensitive);
        model.Entity<Device>().Property(d => d.Identifier).UseCollation(CaseInsensitive);
    }
}

/// <summary>For <c>dotnet ef migrations add Name --context PostgresAdminDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresAdminDbContextFactory : IDesignTimeDbContextFactory<PostgresAdminDbContext>
{
    public PostgresAdminDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresAdminDbContext>(ModuleNames.Admin));
}
