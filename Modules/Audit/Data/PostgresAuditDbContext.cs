using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Data;

/// <summary>Audit's tables on PostgreSQL: the model of <see cref="AuditDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresAuditDbContext(DbContextOptions<PostgresAuditDbContext> options) : AuditDbContext(options);

/// <summary>For <c>dotnet ef migrations add Name --context PostgresAuditDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresAuditDbContextFactory : IDesignTimeDbContextFactory<PostgresAuditDbContext>
{
    public PostgresAuditDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresAuditDbContext>(ModuleNames.Audit));
}
