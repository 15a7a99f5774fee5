using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit.Data;

internal class AuditDbContext : DbContext
{
    public AuditDbContext(DbContextOptions<AuditDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresAuditDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected AuditDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public const string EntriesTable = "audit_entries";

    /// <summary>PostgreSQL only: one row naming the last entry written, locked by each append (Recording/Postgres).</summary>
    public const string ChainHeadTable = "audit_chain_head";

    public DbSet<AuditEntry> Entries => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable(EntriesTable);
            entry.HasKey(e => e.Id);
            // The id is the entry's place in the chain and is hashed, so the writer assigns it, not SQLite.
            entry.Property(e => e.Id).HasColumnName("id").ValueGeneratedNever();
            entry.Property(e => e.TimestampMs).HasColumnName("timestamp_ms");
            entry.Property(e => e.ActorId).HasColumnName("actor_id").IsRequired();
            entry.Property(e => e.Action).HasColumnName("action").IsRequired();
            entry.Property(e => e.TargetResource).HasColumnName("target_resource").IsRequired();
            entry.Property(e => e.Details).HasColumnName("details").IsRequired();
            entry.Property(e => e.PrevHash).HasColumnName("prev_hash").IsRequired();
            entry.Property(e => e.Hash).HasColumnName("hash").IsRequired();
            entry.HasIndex(e => new { e.ActorId, e.Id });
            entry.HasIndex(e => new { e.Action, e.Id });
            entry.HasIndex(e => e.TimestampMs);
        });
    }
}

/// <summary>One audit entry as stored. Times are Unix milliseconds: exactly what the hash covers.</summary>
internal sealed class AuditEntry
{
    public long Id { get; init; }
    public long TimestampMs { get; init; }
    public required string ActorId { get; init; }
    public required string Action { get; init; }
    public required string TargetResource { get; init; }
    public required string Details { get; init; }
    public required string PrevHash { get; init; }
    public required string Hash { get; init; }
}

/// <summary>For <c>dotnet ef migrations add</c>: the module is its own design-time startup project.</summary>
internal sealed class AuditDbContextFactory : IDesignTimeDbContextFactory<AuditDbContext>
{
    public AuditDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuditDbContext>().UseZiyadSqlite(new StorePaths(Path.GetTempPath()), ModuleNames.Audit).Options);
}
