using System.Collections.Concurrent;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>
/// Locks a username after repeated failed logins, whatever address they come from: a password guesser
/// spread over many machines meets the same wall. Unknown usernames are counted the same way, so the
/// lockout reveals nothing about which accounts exist, and the table is pruned so that guessing names
/// cannot grow it without end. Kept in memory: a restart forgives. Auth uses one for users and Admin
/// one for admin accounts, each with its own settings.
/// </summary>
/// <param name="lockoutFailures">Failures that start a lockout; 0 switches locking off.</param>
public sealed class LoginLockout(int lockoutFailures, TimeSpan lockoutDuration, TimeProvider clock)
{
    private const int PruneAbove = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Seconds until <paramref name="usernameKey"/> may try again, or null when it may now.</summary>
    public int? RetryAfterSeconds(string usernameKey)
    {
        if (lockoutFailures == 0 || !_entries.TryGetValue(usernameKey, out var entry) || entry.LockedUntil is not { } until)
        {
            return null;
        }

        var left = until - clock.GetUtcNow();
        return left > TimeSpan.Zero ? Math.Max(1, (int)Math.Ceiling(left.TotalSeconds)) : null;
    }

    /// <summary>Counts a failure; returns the lockout's length in seconds when this failure starts one.</summary>
    public int? RecordFailure(string usernameKey)
    {
        if (lockoutFailures == 0)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (_entries.Count > PruneAbove)
        {
            Prune(now);
        }

        var updated = _entries.AddOrUpdate(
            usernameKey,
            _ => Next(new Entry(0, now, null), now),
            (_, existing) => Next(existing, now));
        return updated.LockedUntil is { } until && updated.Failures == 0
            ? Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds))
            : null;
    }

    public void RecordSuccess(string usernameKey) => _entries.TryRemove(usernameKey, out _);

    private Entry Next(Entry entry, DateTimeOffset now)
    {
        if (entry.LockedUntil is { } until && until > now)
        {
            return entry;
        }

        // A finished lockout, or failures older than one lockout period, are forgotten: a typo a day never locks anyone out.
        if (entry.LockedUntil is not null || now - entry.FirstFailure > lockoutDuration)
        {
            entry = new Entry(0, now, null);
        }

        var failures = entry.Failures + 1;
        return failures >= lockoutFailures
            ? new Entry(0, now, now + lockoutDuration)
            : entry with { Failures = failures };
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            var stale = entry.LockedUntil is { } until ? until < now : now - entry.FirstFailure > lockoutDuration;
            if (stale)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    private sealed record Entry(int Failures, DateTimeOffset FirstFailure, DateTimeOffset? LockedUntil);
}
