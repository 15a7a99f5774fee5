using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>One username's failed logins, as kept in the store so that a restart does not forgive them.</summary>
public sealed class LoginLockoutRow
{
    public required string UsernameKey { get; init; }
    public int Failures { get; set; }
    public DateTimeOffset FirstFailure { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>Where a <see cref="LoginLockout"/> keeps its entries.</summary>
public interface ILoginLockoutStore
{
    IReadOnlyList<LoginLockoutRow> Load();
    void Save(LoginLockoutRow row);
    void Remove(IReadOnlyCollection<string> usernameKeys);
}

public static class LoginLockoutModel
{
    /// <summary>Maps the lockout table into a module's own DbContext (each module its own table, <c>{module}_login_lockouts</c>).</summary>
    public static ModelBuilder AddLoginLockouts(this ModelBuilder modelBuilder, string table)
    {
        modelBuilder.Entity<LoginLockoutRow>(row =>
        {
            row.ToTable(table);
            row.HasKey(r => r.UsernameKey);
            row.Property(r => r.UsernameKey).HasColumnName("username_key").HasMaxLength(128);
            row.Property(r => r.Failures).HasColumnName("failures");
            row.Property(r => r.FirstFailure).HasColumnName("first_failure");
            row.Property(r => r.LockedUntil).HasColumnName("locked_until");
        });
        return modelBuilder;
    }
}

/// <summary>
/// The lockout table of one module's DbContext. Writes are rare (a failed login, which has just spent
/// an Argon2id hash) and serialised by the <see cref="LoginLockout"/> that owns the store.
/// </summary>
public sealed class DbLoginLockoutStore<TContext>(IServiceScopeFactory scopes) : ILoginLockoutStore
    where TContext : DbContext
{
    public IReadOnlyList<LoginLockoutRow> Load()
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetRequiredService<TContext>().Set<LoginLockoutRow>().AsNoTracking().ToList();
    }

    public void Save(LoginLockoutRow row)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var stored = db.Set<LoginLockoutRow>().Find(row.UsernameKey);
        if (stored is null)
        {
            db.Add(row);
        }
        else
        {
            stored.Failures = row.Failures;
            stored.FirstFailure = row.FirstFailure;
            stored.LockedUntil = row.LockedUntil;
        }

        db.SaveChanges();
    }

    public void Remove(IReadOnlyCollection<string> usernameKeys)
    {
        if (usernameKeys.Count == 0)
        {
            return;
        }

        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<TContext>().Set<LoginLockoutRow>()
            .Where(r => usernameKeys.Contains(r.UsernameKey))
            .ExecuteDelete();
    }
}
