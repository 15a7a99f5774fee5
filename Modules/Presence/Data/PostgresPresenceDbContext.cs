using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Presence.Data;

/// <summary>Presence's tables on PostgreSQL: the model of <see cref="PresenceDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresPresenceDbContext(DbContextOptions<PostgresPresenceDbContext> options) : PresenceDbContext(options);

/// <summary>For <c>dotnet ef migrations add Name --context PostgresPresenceDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresPresenceDbContextFactory : IDesignTimeDbContextFactory<PostgresPresenceDbContext>
{
    public PostgresPresenceDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresPresenceDbContext>(ModuleNames.Presence));
}
