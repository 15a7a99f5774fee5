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

/// <summary>For <c>dotnet ef migrations add</c>: the module is its own design-time startup project.</summary>
internal sealed class ClusterDbContextFactory : IDesignTimeDbContextFactory<ClusterDbContext>
{
    public ClusterDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ClusterDbContext>().UseZiyadSqlite(new StorePaths(Path.GetTempPath()), ModuleNames.Cluster).Options);
}
