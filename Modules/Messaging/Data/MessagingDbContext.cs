using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Messaging.Data;

internal class MessagingDbContext : DbContext
{
    public MessagingDbContext(DbContextOptions<MessagingDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresMessagingDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected MessagingDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ChannelRecord> Channels => Set<ChannelRecord>();
    public DbSet<MemberRecord> Members => Set<MemberRecord>();
    public DbSet<MessageRecord> Messages => Set<MessageRecord>();
    public DbSet<ReadCursorRecord> ReadCursors => Set<ReadCursorRecord>();
    public DbSet<ReactionRecord> Reactions => Set<ReactionRecord>();
    public DbSet<PinRecord> Pins => Set<PinRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ChannelRecord>(e =>
        {
            e.ToTable("messaging_channels");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).HasMaxLength(160);
            e.Property(c => c.Name).HasMaxLength(160);
            e.Property(c => c.NormalizedName).HasMaxLength(160);
            e.Property(c => c.Type).HasMaxLength(16);
            e.HasIndex(c => c.NormalizedName).IsUnique();
        });

        modelBuilder.Entity<MemberRecord>(e =>
        {
            e.ToTable("messaging_members");
            e.HasKey(m => new { m.ChannelId, m.UserId });
            e.Property(m => m.Role).HasMaxLength(40);
            e.HasIndex(m => m.UserId);
            e.HasOne<ChannelRecord>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<MessageRecord>(e =>
        {
            e.ToTable("messaging_messages");
            e.HasKey(m => m.Id);
            e.HasIndex(m => new { m.ChannelId, m.Seq }).IsUnique();
            // Idempotency: one message per (sender, client_msg_id).
            e.HasIndex(m => new { m.SenderId, m.ClientMsgId }).IsUnique().HasFilter("ClientMsgId IS NOT NULL");
            e.HasIndex(m => m.Timestamp);
            e.Property(m => m.RootId).HasMaxLength(64);
            // A thread's replies in seq order; only replies are in it.
            e.HasIndex(m => new { m.RootId, m.Seq }).HasFilter("RootId IS NOT NULL");
            e.HasOne<ChannelRecord>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ReactionRecord>(e =>
        {
            e.ToTable("messaging_reactions");
            e.HasKey(r => new { r.MessageId, r.Emoji, r.UserId });
            e.Property(r => r.Emoji).HasMaxLength(64);
            e.HasOne<MessageRecord>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PinRecord>(e =>
        {
            e.ToTable("messaging_pins");
            e.HasKey(p => p.MessageId);
            e.HasIndex(p => new { p.ChannelId, p.PinnedAt });
            e.HasOne<MessageRecord>().WithMany().HasForeignKey(p => p.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ReadCursorRecord>(e =>
        {
            e.ToTable("messaging_read_cursors");
            e.HasKey(r => new { r.UserId, r.ChannelId });
            e.HasOne<ChannelRecord>().WithMany().HasForeignKey(r => r.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

internal sealed class ChannelRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }
    public required string NormalizedName { get; set; }
    public required string Type { get; set; }
    public string? DepartmentId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? CreatedBy { get; set; }
    /// <summary>The seq of the newest message; bumped in the transaction that stores each message.</summary>
    public long LastSeq { get; set; }
}

internal sealed class MemberRecord
{
    public required string ChannelId { get; set; }
    public required string UserId { get; set; }
    public required string Role { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
}

internal sealed class MessageRecord
{
    public required string Id { get; set; }
    public required string ChannelId { get; set; }
    public long Seq { get; set; }
    public required string SenderId { get; set; }
    /// <summary>Unix milliseconds.</summary>
    public long Timestamp { get; set; }
    public int Type { get; set; }
    public required byte[] Content { get; set; }
    public string? Nonce { get; set; }
    public string? Signature { get; set; }
    public string? ClientMsgId { get; set; }
    public long? EditedAt { get; set; }
    public long? DeletedAt { get; set; }
    /// <summary>The thread this message replies to (always a top-level message); null for a top-level message.</summary>
    public string? RootId { get; set; }
    /// <summary>On a root: its replies that are not deleted.</summary>
    public int ReplyCount { get; set; }
    /// <summary>On a root: unix ms of its newest reply.</summary>
    public long? LastReplyAt { get; set; }
}

/// <summary>One user's reaction with one emoji to one message.</summary>
internal sealed class ReactionRecord
{
    public required string MessageId { get; set; }
    public required string Emoji { get; set; }
    public required string UserId { get; set; }
    /// <summary>Unix ms; reactions are listed in the order they were first used.</summary>
    public long CreatedAt { get; set; }
}

/// <summary>A pinned message of a channel.</summary>
internal sealed class PinRecord
{
    public required string MessageId { get; set; }
    public required string ChannelId { get; set; }
    public required string PinnedBy { get; set; }
    /// <summary>Unix ms.</summary>
    public long PinnedAt { get; set; }
}

internal sealed class ReadCursorRecord
{
    public required string UserId { get; set; }
    public required string ChannelId { get; set; }
    public long Seq { get; set; }
}

internal sealed class MessagingDbContextFactory : IDesignTimeDbContextFactory<MessagingDbContext>
{
    public MessagingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MessagingDbContext>()
            .UseZiyadSqlite(new StorePaths(Path.Combine(Path.GetTempPath(), "ziyad-design")), ModuleNames.Messaging)
            .Options);
}
