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

/// <summary>A lockout store several nodes share: reads one row, and changes one atomically.</summary>
public interface ISharedLoginLockoutStore : ILoginLockoutStore
{
    LoginLockoutRow? Find(string usernameKey);

    /// <summary>Replaces the row (null when there is none) by <paramref name="next"/>'s answer, with the row locked; returns what was stored.</summary>
    LoginLockoutRow Update(string usernameKey, Func<LoginLockoutRow?, LoginLockoutRow> next);

    /// <summary>Drops rows whose lockout ended, or whose failures are older than one lockout period.</summary>
    void RemoveStale(DateTimeOffset now, TimeSpan lockoutDuration);
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
public sealed class DbLoginLockoutStore<TContext>(IServiceScopeFactory scopes) : ISharedLoginLockoutStore
    where TContext : DbContext
{
    public LoginLockoutRow? Find(string usernameKey)
    {
        using var scope = scopes.CreateScope();
        return scope.ServiceProvider.GetRequiredService<TContext>().Set<LoginLockoutRow>().AsNoTracking().SingleOrDefault(r => r.UsernameKey == usernameKey);
    }

    public LoginLockoutRow Update(string usernameKey, Func<LoginLockoutRow?, LoginLockoutRow> next)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            using var transaction = db.Database.BeginTransaction();
            var rows = db.Set<LoginLockoutRow>();
            // FOR UPDATE: two nodes counting a failure of the same name at once take turns, so neither count is lost.
            // The table name is the module's own mapping, never input.
            var table = db.Model.FindEntityType(typeof(LoginLockoutRow))!.GetTableName();
            var lockSql = "SELECT * FROM \"" + table + "\" WHERE username_key = {0} FOR UPDATE";
            var stored = db.Database.IsNpgsql()
#pragma warning disable EF1002, EF1003 // the table name is the module's mapping; the value is a parameter
                ? rows.FromSqlRaw(lockSql, usernameKey).AsEnumerable().SingleOrDefault()
#pragma warning restore EF1002, EF1003
                : rows.SingleOrDefault(r => r.UsernameKey == usernameKey);
            var updated = next(stored is null ? null : new LoginLockoutRow
            {
                UsernameKey = stored.UsernameKey, Failures = stored.Failures, FirstFailure = stored.FirstFailure, LockedUntil = stored.LockedUntil,
            });
            if (stored is null)
            {
                db.Add(updated);
            }
            else
            {
                stored.Failures = updated.Failures;
                stored.FirstFailure = updated.FirstFailure;
                stored.LockedUntil = updated.LockedUntil;
            }

            try
            {
                db.SaveChanges();
                transaction.Commit();
                return updated;
            }
            catch (DbUpdateException) when (stored is null && attempt < 3)
            {
                // Another node inserted the first failure of this name meanwhile: lock its row and count again.
            }
        }
    }

    public void RemoveStale(DateTimeOffset now, TimeSpan lockoutDuration)
    {
        var forgottenBefore = now - lockoutDuration;
        using var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<TContext>().Set<LoginLockoutRow>()
            .Where(r => r.LockedUntil != null ? r.LockedUntil < now : r.FirstFailure < forgottenBefore)
            .ExecuteDelete();
    }

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
