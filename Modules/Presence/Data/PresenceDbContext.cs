using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Presence.Data;

/// <summary>Presence lives in memory; only the last time each user was seen is kept, so it survives restarts.</summary>
internal class PresenceDbContext : DbContext
{
    public PresenceDbContext(DbContextOptions<PresenceDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresPresenceDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected PresenceDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<LastSeenRow> LastSeen => Set<LastSeenRow>();

    protected override void OnModelCreating(ModelBuilder model) =>
        model.Entity<LastSeenRow>(row =>
        {
            row.ToTable("presence_last_seen");
            row.HasKey(r => r.UserId);
            row.Property(r => r.UserId).HasColumnName("user_id");
            row.Property(r => r.LastSeenMs).HasColumnName("last_seen");
        });
}

internal sealed class LastSeenRow
{
    public required string UserId { get; init; }
    /// <summary>Unix milliseconds, UTC.</summary>
    public long LastSeenMs { get; set; }
}

internal sealed class PresenceDbContextFactory : IDesignTimeDbContextFactory<PresenceDbContext>
{
    public PresenceDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PresenceDbContext>()
            .UseZiyadSqlite(new StorePaths(Path.Combine(Path.GetTempPath(), "ziyad-design")), ModuleNames.Presence)
            .Options);
}
