using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Messaging.Data;

/// <summary>Messaging's tables on PostgreSQL: the model of <see cref="MessagingDbContext"/>, migrations in <c>Migrations/Postgres</c>.</summary>
internal sealed class PostgresMessagingDbContext(DbContextOptions<PostgresMessagingDbContext> options) : MessagingDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        // The partial indexes' filters are SQL: PostgreSQL folds unquoted names to lower case.
        modelBuilder.Entity<MessageRecord>(e =>
        {
            e.HasIndex(m => new { m.SenderId, m.ClientMsgId }).HasFilter("\"ClientMsgId\" IS NOT NULL");
            e.HasIndex(m => new { m.RootId, m.Seq }).HasFilter("\"RootId\" IS NOT NULL");
        });
    }
}

/// <summary>For <c>dotnet ef migrations add Name --context PostgresMessagingDbContext --output-dir Data/Migrations/Postgres</c>.</summary>
internal sealed class PostgresMessagingDbContextFactory : IDesignTimeDbContextFactory<PostgresMessagingDbContext>
{
    public PostgresMessagingDbContext CreateDbContext(string[] args) => new(PostgresStore.DesignTimeOptions<PostgresMessagingDbContext>(ModuleNames.Messaging));
}
