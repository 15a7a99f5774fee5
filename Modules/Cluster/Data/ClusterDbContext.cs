using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Cluster.Data;

internal class ClusterDbContext : DbContext
{
    public ClusterDbContext(DbContextOptions<ClusterDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresClusterDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected ClusterDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ClusterNode> Nodes => Set<ClusterNode>();

    /// <summary>Nodes sharing this store (PostgreSQL), each heartbeating its own row; unused on SQLite.</summary>
    public DbSet<ClusterMember> Members => Set<ClusterMember>();

    /// <summary>The leader lease (PostgreSQL): one row, held by whoever renews it before it expires; unused on SQLite.</summary>
    public DbSet<ClusterLease> Leases => Set<ClusterLease>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Unix milliseconds: SQLite can compare and order them, which it cannot do with text offsets.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ClusterNode>(node =>
        {
            node.ToTable("cluster_nodes");
            node.HasKey(n => n.NodeId);
            node.Property(n => n.NodeId).HasColumnName("node_id").HasMaxLength(64);
            node.Property(n => n.Address).HasColumnName("address").HasMaxLength(128).IsRequired();
            node.Property(n => n.JoinedAt).HasColumnName("joined_at");
            node.Property(n => n.LastSeen).HasColumnName("last_seen");
            node.Property(n => n.JoinCount).HasColumnName("join_count");
        });
        // Times in these two tables are the database's clock (written by SQL with now()), never a node's.
        modelBuilder.Entity<ClusterMember>(member =>
        {
            member.ToTable("cluster_members");
            member.HasKey(m => m.NodeId);
            member.Property(m => m.NodeId).HasColumnName("node_id").HasMaxLength(64);
            member.Property(m => m.Address).HasColumnName("address").HasMaxLength(128).IsRequired();
            member.Property(m => m.Version).HasColumnName("version").HasMaxLength(64).IsRequired();
            member.Property(m => m.StartedAt).HasColumnName("started_at");
            member.Property(m => m.LastSeen).HasColumnName("last_seen");
            member.Property(m => m.StoppedAt).HasColumnName("stopped_at");
            member.Property(m => m.Connections).HasColumnName("connections");
            member.Property(m => m.ConnectedUsers).HasColumnName("connected_users");
        });
        modelBuilder.Entity<ClusterLease>(lease =>
        {
            lease.ToTable("cluster_leases");
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasColumnName("name").HasMaxLength(32);
            lease.Property(l => l.Holder).HasColumnName("holder").HasMaxLength(64).IsRequired();
            lease.Property(l => l.ExpiresAt).HasColumnName("expires_at");
        });
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}

/// <summary>A node that announced itself through /join.</summary>
internal sealed class ClusterNode
{
    public required string NodeId { get; init; }
    public required string Address { get; set; }
    public DateTimeOffset JoinedAt { get; init; }
    public DateTimeOffset LastSeen { get; set; }
    public long JoinCount { get; set; }
}

/// <summary>A node of a shared store, as its own heartbeat last wrote it.</summary>
internal sealed class ClusterMember
{
    public required string NodeId { get; init; }
    public required string Address { get; set; }
    public required string Version { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    /// <summary>Set by a clean stop, so the node is unhealthy at once instead of after the timeout.</summary>
    public DateTimeOffset? StoppedAt { get; set; }
    public int Connections { get; set; }
    public int ConnectedUsers { get; set; }
}

/// <summary>A lease: <see cref="Holder"/> holds it until <see cref="ExpiresAt"/> unless it renews it.</summary>
internal sealed class ClusterLease
{
    public required string Name { get; init; }
    public required string Holder { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>For <c>dotnet ef migrations add</c>: the module is its own design-time startup project.</summary>
internal sealed class ClusterDbContextFactory : IDesignTimeDbContextFactory<ClusterDbContext>
{
    public ClusterDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ClusterDbContext>().UseZiyadSqlite(new StorePaths(Path.GetTempPath()), ModuleNames.Cluster).Options);
}
