using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Cluster.Data;

/// <summary>Cluster's tables on PostgreSQL: the model of <see cref="ClusterDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresClusterDbContext(DbContextOptions<PostgresClusterDbContext> options) : ClusterDbContext(options);

/// <summary>For <c>dotnet ef migrations add Name --context PostgresClusterDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresClusterDbContextFactory : IDesignTimeDbContextFactory<PostgresClusterDbContext>
{
    public PostgresClusterDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresClusterDbContext>(ModuleNames.Cluster));
}
