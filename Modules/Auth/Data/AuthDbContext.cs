using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Data;

internal class AuthDbContext : DbContext
{
    public AuthDbContext(DbContextOptions<AuthDbContext> options)
        : base(options)
    {
    }

    /// <summary>For <see cref="PostgresAuthDbContext"/>: the same model on PostgreSQL, with its own migrations.</summary>
    protected AuthDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<AuthUser> Users => Set<AuthUser>();
    public DbSet<RevokedToken> RevokedTokens => Set<RevokedToken>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Unix milliseconds: SQLite can then compare and order times, which it cannot do with text offsets.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuthUser>(user =>
        {
            user.ToTable("auth_users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).HasColumnName("id").HasMaxLength(36);
            user.Property(u => u.Username).HasColumnName("username").HasMaxLength(32).IsRequired();
            user.Property(u => u.UsernameKey).HasColumnName("username_key").HasMaxLength(32).IsRequired();
            user.HasIndex(u => u.UsernameKey).IsUnique();
            user.Property(u => u.FullName).HasColumnName("full_name").HasMaxLength(80).IsRequired();
            user.Property(u => u.Role).HasColumnName("role").HasMaxLength(40).IsRequired();
            user.Property(u => u.DepartmentId).HasColumnName("department_id").HasMaxLength(64);
            user.Property(u => u.PasswordHash).HasColumnName("password_hash").IsRequired();
            user.Property(u => u.IsActive).HasColumnName("is_active");
            user.Property(u => u.TokenVersion).HasColumnName("token_version");
            user.Property(u => u.KeptTokenId).HasColumnName("kept_token_id").HasMaxLength(64);
            user.Property(u => u.CreatedAt).HasColumnName("created_at");
            user.Property(u => u.UpdatedAt).HasColumnName("updated_at");
            user.Property(u => u.LastLoginAt).HasColumnName("last_login_at");
        });

        modelBuilder.Entity<RevokedToken>(token =>
        {
            token.ToTable("auth_revoked_tokens");
            token.HasKey(t => t.TokenId);
            token.Property(t => t.TokenId).HasColumnName("token_id").HasMaxLength(64);
            token.Property(t => t.UserId).HasColumnName("user_id").HasMaxLength(36).IsRequired();
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.HasIndex(t => t.ExpiresAt);
        });

        modelBuilder.AddLoginLockouts("auth_login_lockouts");
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}

internal sealed class AuthUser
{
    public required string Id { get; init; }
    public required string Username { get; set; }
    /// <summary>The username in lower case: uniqueness is case-insensitive.</summary>
    public required string UsernameKey { get; set; }
    public required string FullName { get; set; }
    public required string Role { get; set; }
    public string? DepartmentId { get; set; }
    public required string PasswordHash { get; set; }
    public bool IsActive { get; set; } = true;
    /// <summary>Tokens carry the version they were issued at; raising it ends every older token at once.</summary>
    public int TokenVersion { get; set; } = 1;
    /// <summary>The one older token that outlives the latest password change: the one that made it.</summary>
    public string? KeptTokenId { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }
}

/// <summary>A logged-out token's id, kept until the token would have expired anyway.</summary>
internal sealed class RevokedToken
{
    public required string TokenId { get; init; }
    public required string UserId { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}

/// <summary>For <c>dotnet ef migrations add</c>: the module is its own design-time startup project.</summary>
internal sealed class AuthDbContextFactory : IDesignTimeDbContextFactory<AuthDbContext>
{
    public AuthDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AuthDbContext>().UseZiyadSqlite(new StorePaths(Path.GetTempPath()), ModuleNames.Auth).Options);
}
