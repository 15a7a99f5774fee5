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

    /// <summary>Several nodes (PostgreSQL): what every node must agree on about a user; unused on SQLite.</summary>
    public DbSet<SharedPresenceRow> Shared => Set<SharedPresenceRow>();

    /// <summary>Several nodes (PostgreSQL): each node's open sockets per user, expiring unless the node renews them.</summary>
    public DbSet<NodeSocketsRow> NodeSockets => Set<NodeSocketsRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<LastSeenRow>(row =>
        {
            row.ToTable("presence_last_seen");
            row.HasKey(r => r.UserId);
            row.Property(r => r.UserId).HasColumnName("user_id");
            row.Property(r => r.LastSeenMs).HasColumnName("last_seen");
        });
        // Times below are Unix milliseconds of the database's clock.
        model.Entity<SharedPresenceRow>(row =>
        {
            row.ToTable("presence_shared");
            row.HasKey(r => r.UserId);
            row.Property(r => r.UserId).HasColumnName("user_id").HasMaxLength(64);
            row.Property(r => r.Chosen).HasColumnName("chosen");
            row.Property(r => r.SignedOff).HasColumnName("signed_off");
            row.Property(r => r.LastActiveMs).HasColumnName("last_active");
            row.Property(r => r.UpdatedMs).HasColumnName("updated_at");
            row.HasIndex(r => r.UpdatedMs);
        });
        model.Entity<NodeSocketsRow>(row =>
        {
            row.ToTable("presence_node_sockets");
            row.HasKey(r => new { r.InstanceId, r.UserId });
            row.Property(r => r.InstanceId).HasColumnName("instance_id").HasMaxLength(64);
            row.Property(r => r.UserId).HasColumnName("user_id").HasMaxLength(64);
            row.Property(r => r.Sockets).HasColumnName("sockets");
            row.Property(r => r.ExpiresMs).HasColumnName("expires_at");
            row.HasIndex(r => r.UserId);
            row.HasIndex(r => r.ExpiresMs);
        });
    }
}

/// <summary>A user's presence as all nodes see it: the status they chose, whether they signed off, when they were last active.</summary>
internal sealed class SharedPresenceRow
{
    public required string UserId { get; init; }
    public int Chosen { get; set; }
    public bool SignedOff { get; set; }
    public long? LastActiveMs { get; set; }
    public long UpdatedMs { get; set; }
}

/// <summary>The sockets one node process holds for a user; gone with the process once <see cref="ExpiresMs"/> passes.</summary>
internal sealed class NodeSocketsRow
{
    public required string InstanceId { get; init; }
    public required string UserId { get; init; }
    public int Sockets { get; set; }
    public long ExpiresMs { get; set; }
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
