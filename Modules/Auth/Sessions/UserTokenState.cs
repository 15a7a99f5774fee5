using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Auth.Data;

namespace ZiyadMessenger.Modules.Auth.Sessions;

/// <summary>
/// What decides whether a user token still works, held in memory because it is asked on every
/// authenticated request: each user's token version, active flag and kept token, and the ids of
/// logged-out tokens. Loaded from the database at start; every change is committed first, then applied here.
/// </summary>
internal sealed class UserTokenState(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, UserTokenEntry> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    /// <summary>Serialises changes to a user's token state, so the database and this cache agree on the order.</summary>
    public SemaphoreSlim WriteGate { get; } = new(1, 1);

    public int RevokedCount => _revoked.Count;

    public async Task LoadAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Users.AsNoTracking()
            .Select(u => new { u.Id, u.TokenVersion, u.IsActive, u.KeptTokenId })
            .ToListAsync(cancellationToken);
        _users.Clear();
        foreach (var u in users)
        {
            _users[u.Id] = new UserTokenEntry(u.TokenVersion, u.IsActive, u.KeptTokenId);
        }

        var now = clock.GetUtcNow();
        await db.RevokedTokens.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        var revoked = await db.RevokedTokens.AsNoTracking().ToListAsync(cancellationToken);
        _revoked.Clear();
        foreach (var t in revoked)
        {
            _revoked[t.TokenId] = t.ExpiresAt;
        }
    }

    public bool IsValid(string userId, int tokenVersion, string tokenId) =>
        _users.TryGetValue(userId, out var entry)
        && entry.IsActive
        && (entry.Version == tokenVersion || string.Equals(entry.KeptTokenId, tokenId, StringComparison.Ordinal))
        && !_revoked.ContainsKey(tokenId);

    /// <summary>
    /// Re-reads every user's token state and the logged-out ids (another node may have changed them while
    /// this one was not hearing it), entry by entry so that requests never see an empty cache. Returns what
    /// changed, for the notifications that close sockets.
    /// </summary>
    public async Task<TokenStateChanges> ReloadAsync(AuthDbContext db, CancellationToken cancellationToken)
    {
        var users = await db.Users.AsNoTracking()
            .Select(u => new { u.Id, u.TokenVersion, u.IsActive, u.KeptTokenId })
            .ToListAsync(cancellationToken);
        var revokedUsers = new List<(string UserId, string? KeptTokenId)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var u in users)
        {
            seen.Add(u.Id);
            var fresh = new UserTokenEntry(u.TokenVersion, u.IsActive, u.KeptTokenId);
            if (_users.TryGetValue(u.Id, out var old) && EndsSessions(old, fresh))
            {
                revokedUsers.Add((u.Id, u.KeptTokenId));
            }

            _users[u.Id] = fresh;
        }

        var removedUsers = new List<string>();
        foreach (var id in _users.Keys)
        {
            if (!seen.Contains(id) && _users.TryRemove(id, out _))
            {
                removedUsers.Add(id);
            }
        }

        var now = clock.GetUtcNow();
        var revokedTokens = new List<(string UserId, string TokenId)>();
        foreach (var t in await db.RevokedTokens.AsNoTracking().Where(t => t.ExpiresAt >= now).ToListAsync(cancellationToken))
        {
            if (_revoked.TryAdd(t.TokenId, t.ExpiresAt))
            {
                revokedTokens.Add((t.UserId, t.TokenId));
            }
        }

        return new TokenStateChanges(revokedUsers, removedUsers, revokedTokens);
    }

    /// <summary>Re-reads one user (null: the user is gone); returns whether the user's older tokens stopped working.</summary>
    public bool Refresh(string userId, AuthUser? user)
    {
        if (user is null)
        {
            return _users.TryRemove(userId, out _);
        }

        var fresh = new UserTokenEntry(user.TokenVersion, user.IsActive, user.KeptTokenId);
        var ended = _users.TryGetValue(userId, out var old) && EndsSessions(old, fresh);
        _users[userId] = fresh;
        return ended;
    }

    public bool IsRevoked(string tokenId) => _revoked.ContainsKey(tokenId);

    private static bool EndsSessions(UserTokenEntry old, UserTokenEntry fresh) =>
        fresh.Version != old.Version || (old.IsActive && !fresh.IsActive);

    public void Set(AuthUser user) => _users[user.Id] = new UserTokenEntry(user.TokenVersion, user.IsActive, user.KeptTokenId);

    public void Remove(string userId) => _users.TryRemove(userId, out _);

    public void Revoke(string tokenId, DateTimeOffset expiresAt) => _revoked[tokenId] = expiresAt;

    /// <summary>Forgets revoked ids whose tokens have expired: the signature check refuses those anyway.</summary>
    public void PruneExpired(DateTimeOffset now)
    {
        foreach (var (id, expires) in _revoked)
        {
            if (expires < now)
            {
                _revoked.TryRemove(id, out _);
            }
        }
    }

    private sealed record UserTokenEntry(int Version, bool IsActive, string? KeptTokenId);
}

/// <summary>What a reload found changed: users whose older tokens ended (with the one kept), users gone, tokens logged out.</summary>
internal sealed record TokenStateChanges(
    IReadOnlyList<(string UserId, string? KeptTokenId)> SessionsEnded,
    IReadOnlyList<string> UsersRemoved,
    IReadOnlyList<(string UserId, string TokenId)> TokensRevoked);
