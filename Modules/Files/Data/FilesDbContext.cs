using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Files.Data;

internal class FilesDbContext : DbContext
{
    public FilesDbContext(DbContextOptions<FilesDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresFilesDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected FilesDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<StoredFile> Files => Set<StoredFile>();
    public DbSet<FileTransfer> Transfers => Set<FileTransfer>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<StoredFile>(file =>
        {
            file.ToTable("files_files");
            file.HasKey(f => f.Id);
            file.Property(f => f.Id).HasColumnName("id");
            file.Property(f => f.Name).HasColumnName("name").IsRequired();
            file.Property(f => f.Size).HasColumnName("size");
            file.Property(f => f.Mime).HasColumnName("mime").IsRequired();
            file.Property(f => f.Sha256).HasColumnName("sha256").IsRequired();
            file.Property(f => f.UploaderId).HasColumnName("uploader_id").IsRequired();
            file.Property(f => f.CreatedAtMs).HasColumnName("created_at");
            file.Property(f => f.Downloads).HasColumnName("downloads");
            file.Property(f => f.KeyCheck).HasColumnName("key_check").IsRequired();
            file.Property(f => f.FormatVersion).HasColumnName("format_version");
            file.HasIndex(f => f.UploaderId);
            file.HasIndex(f => f.CreatedAtMs);
        });

        model.Entity<FileTransfer>(transfer =>
        {
            transfer.ToTable("files_transfers");
            transfer.HasKey(t => t.Id);
            transfer.Property(t => t.Id).HasColumnName("id").ValueGeneratedOnAdd();
            transfer.Property(t => t.FileId).HasColumnName("file_id").IsRequired();
            transfer.Property(t => t.UserId).HasColumnName("user_id").IsRequired();
            transfer.Property(t => t.Kind).HasColumnName("kind").IsRequired();
            transfer.Property(t => t.Decrypted).HasColumnName("decrypted");
            transfer.Property(t => t.Bytes).HasColumnName("bytes");
            transfer.Property(t => t.AtMs).HasColumnName("at");
            transfer.HasIndex(t => t.AtMs);
        });
    }
}

/// <summary>One uploaded file. The key is not here: only <see cref="KeyCheck"/>, which cannot give it back.</summary>
internal sealed class StoredFile
{
    /// <summary>The UUID in its lowercase hyphenated form.</summary>
    public required string Id { get; init; }
    public required string Name { get; init; }
    public long Size { get; init; }
    public required string Mime { get; init; }
    /// <summary>SHA-256 of the plaintext, lowercase hex.</summary>
    public required string Sha256 { get; init; }
    public required string UploaderId { get; init; }
    /// <summary>Unix milliseconds, UTC: integers sort and compare in SQL where text timestamps would not.</summary>
    public long CreatedAtMs { get; init; }
    public long Downloads { get; set; }
    public required byte[] KeyCheck { get; init; }
    public int FormatVersion { get; init; }
}

/// <summary>One completed upload or download, for the monitoring figures.</summary>
internal sealed class FileTransfer
{
    public const string Upload = "upload";
    public const string Download = "download";

    public long Id { get; init; }
    public required string FileId { get; init; }
    public required string UserId { get; init; }
    public required string Kind { get; init; }
    public bool Decrypted { get; init; }
    public long Bytes { get; init; }
    public long AtMs { get; init; }
}

internal sealed class FilesDbContextFactory : IDesignTimeDbContextFactory<FilesDbContext>
{
    public FilesDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<FilesDbContext>()
            .UseZiyadSqlite(new StorePaths(Path.Combine(Path.GetTempPath(), "ziyad-design")), ModuleNames.Files)
            .Options);
}
