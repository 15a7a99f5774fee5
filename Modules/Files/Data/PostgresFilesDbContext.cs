using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Files.Data;

/// <summary>Files's tables on PostgreSQL: the model of <see cref="FilesDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresFilesDbContext(DbContextOptions<PostgresFilesDbContext> options) : FilesDbContext(options);

/// <summary>For <c>dotnet ef migrations add Name --context PostgresFilesDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresFilesDbContextFactory : IDesignTimeDbContextFactory<PostgresFilesDbContext>
{
    public PostgresFilesDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresFilesDbContext>(ModuleNames.Files));
}
