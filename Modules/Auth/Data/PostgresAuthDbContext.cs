using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Auth.Data;

/// <summary>Auth's tables on PostgreSQL: the model of <see cref="AuthDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresAuthDbContext(DbContextOptions<PostgresAuthDbContext> options) : AuthDbContext(options);

/// <summary>For <c>dotnet ef migrations add Name --context PostgresAuthDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresAuthDbContextFactory : IDesignTimeDbContextFactory<PostgresAuthDbContext>
{
    public PostgresAuthDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresAuthDbContext>(ModuleNames.Auth));
}
