using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Auth.Sessions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Users;

/// <summary>The writes that registration and administration share: creating users and ending their sessions.</summary>
internal sealed class UserStore(AuthDbContext db, IPasswordHasher hasher, UserTokenState state, SessionSignals signals, IPublisher publisher, TimeProvider clock)
{
    public AuthDbContext Db => db;

    public async Task<AuthUser> CreateAsync(string username, string fullName, string password, string role, string? departmentId, CancellationToken cancellationToken)
    {
        var key = UserRules.KeyOf(username);
        if (await db.Users.AnyAsync(u => u.UsernameKey == key, cancellationToken))
        {
            throw UsernameTaken();
        }

        var hash = await hasher.HashAsync(password, cancellationToken);
        var now = clock.GetUtcNow();
        var user = new AuthUser
        {
            Id = Guid.CreateVersion7().ToString(),
            Username = username,
            UsernameKey = key,
            FullName = fullName.Trim(),
            Role = role.Trim(),
            DepartmentId = string.IsNullOrWhiteSpace(departmentId) ? null : departmentId.Trim(),
            PasswordHash = hash,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // Two registrations of one name raced past the check; the unique index decided.
            throw UsernameTaken();
        }

        state.Set(user);
        await signals.UserChangedAsync(user.Id);
        return user;
    }

    public async Task<AuthUser> FindAsync(string userId, CancellationToken cancellationToken) =>
        await db.Users.FirstOrDefaultAsync(u => u.Id == userId, cancellationToken)
        ?? throw AppException.NotFound("No user has that id.");

    /// <summary>
    /// Applies <paramref name="change"/> to the user and commits it; when <paramref name="revokeReason"/> is
    /// given, every token the user held stops working (except <paramref name="keepTokenId"/>), and the
    /// rest of the system hears of it after the commit.
    /// </summary>
    public async Task<AuthUser> UpdateAsync(string userId, Action<AuthUser> change, string? revokeReason, string? keepTokenId, CancellationToken cancellationToken)
    {
        await state.WriteGate.WaitAsync(cancellationToken);
        AuthUser user;
        try
        {
            user = await FindAsync(userId, cancellationToken);
            change(user);
            user.UpdatedAt = clock.GetUtcNow();
            if (revokeReason is not null)
            {
                user.TokenVersion++;
                user.KeptTokenId = keepTokenId;
            }

            await db.SaveChangesAsync(cancellationToken);
            state.Set(user);
        }
        finally
        {
            state.WriteGate.Release();
        }

        await signals.UserChangedAsync(user.Id);
        if (revokeReason is not null)
        {
            await publisher.Publish(new UserSessionsRevoked(user.Id, revokeReason, keepTokenId), CancellationToken.None);
        }

        return user;
    }

    public async Task<AuthUser> DeleteAsync(string userId, CancellationToken cancellationToken)
    {
        await state.WriteGate.WaitAsync(cancellationToken);
        AuthUser user;
        try
        {
            user = await FindAsync(userId, cancellationToken);
            db.Users.Remove(user);
            await db.SaveChangesAsync(cancellationToken);
            state.Remove(user.Id);
        }
        finally
        {
            state.WriteGate.Release();
        }

        await signals.UserChangedAsync(user.Id);
        await publisher.Publish(new UserSessionsRevoked(user.Id, "deleted"), CancellationToken.None);
        return user;
    }

    private static AppException UsernameTaken() =>
        new(409, "That username is taken.", new Dictionary<string, string[]> { ["username"] = ["That username is taken."] });
}
