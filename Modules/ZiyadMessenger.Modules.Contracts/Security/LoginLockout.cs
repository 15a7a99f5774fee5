using System.Collections.Concurrent;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>
/// Locks a username after repeated failed logins, whatever address they come from: a password guesser
/// spread over many machines meets the same wall. Unknown usernames are counted the same way, so the
/// lockout reveals nothing about which accounts exist, and the table is pruned so that guessing names
/// cannot grow it without end. Read from memory, written through to the module's store
/// (<see cref="ILoginLockoutStore"/>): a restart does not forgive, and entries that have run out are
/// dropped from both when the lockout starts and whenever the table grows large. Auth uses one for
/// users and Admin one for admin accounts, each with its own settings and its own table.
/// <para>
/// Shared (several nodes on one store): nothing is kept in memory, the row is the count. Each check
/// reads it and each failure updates it under a row lock, so failures spread over the nodes add up and
/// a lockout holds on every node. Stale rows are pruned by the leader only. Times are the nodes' clocks,
/// which must agree to within seconds (NTP) against a lockout of minutes.
/// </para>
/// </summary>
public sealed class LoginLockout
{
    private const int PruneAbove = 10_000;
    private const int PruneSharedEvery = 1_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _lockoutFailures;
    private readonly TimeSpan _lockoutDuration;
    private readonly TimeProvider _clock;
    private readonly ILoginLockoutStore? _store;
    private readonly Lock _storeGate = new();
    private readonly ISharedLoginLockoutStore? _shared;
    private readonly ILeadership? _leadership;
    private int _failuresSincePrune;

    /// <param name="lockoutFailures">Failures that start a lockout; 0 switches locking off.</param>
    /// <param name="store">Where entries outlive the process; none keeps them in memory only.</param>
    /// <param name="shared">Several nodes share the store: every check and count goes to it (see above).</param>
    /// <param name="leadership">Who prunes a shared table; without it, this node does.</param>
    public LoginLockout(int lockoutFailures, TimeSpan lockoutDuration, TimeProvider clock, ILoginLockoutStore? store = null,
        bool shared = false, ILeadership? leadership = null)
    {
        _lockoutFailures = lockoutFailures;
        _lockoutDuration = lockoutDuration;
        _clock = clock;
        _store = store;
        if (shared)
        {
            _shared = store as ISharedLoginLockoutStore
                ?? throw new ArgumentException("A shared lockout needs a store that can update a row atomically.", nameof(store));
            _leadership = leadership;
            return;
        }

        if (store is null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var stale = new List<string>();
        foreach (var row in store.Load())
        {
            var entry = new Entry(row.Failures, row.FirstFailure, row.LockedUntil);
            if (IsStale(entry, now))
            {
                stale.Add(row.UsernameKey);
            }
            else
            {
                _entries[row.UsernameKey] = entry;
            }
        }

        store.Remove(stale);
    }

    /// <summary>Seconds until <paramref name="usernameKey"/> may try again, or null when it may now.</summary>
    public int? RetryAfterSeconds(string usernameKey)
    {
        if (_lockoutFailures == 0)
        {
            return null;
        }

        if (_shared is not null)
        {
            return _shared.Find(usernameKey.ToLowerInvariant()) is { LockedUntil: { } sharedUntil } ? SecondsLeft(sharedUntil) : null;
        }

        if (!_entries.TryGetValue(usernameKey, out var entry) || entry.LockedUntil is not { } until)
        {
            return null;
        }

        var left = until - _clock.GetUtcNow();
        return left > TimeSpan.Zero ? Math.Max(1, (int)Math.Ceiling(left.TotalSeconds)) : null;
    }

    /// <summary>Counts a failure; returns the lockout's length in seconds when this failure starts one.</summary>
    public int? RecordFailure(string usernameKey)
    {
        if (_lockoutFailures == 0)
        {
            return null;
        }

        var now = _clock.GetUtcNow();
        if (_shared is not null)
        {
            return RecordSharedFailure(usernameKey.ToLowerInvariant(), now);
        }

        if (_entries.Count > PruneAbove)
        {
            Prune(now);
        }

        Entry updated;
        lock (_storeGate)
        {
            updated = _entries.AddOrUpdate(
                usernameKey,
                _ => Next(new Entry(0, now, null), now),
                (_, existing) => Next(existing, now));
            _store?.Save(new LoginLockoutRow
            {
                UsernameKey = usernameKey.ToLowerInvariant(),
                Failures = updated.Failures,
                FirstFailure = updated.FirstFailure,
                LockedUntil = updated.LockedUntil,
            });
        }

        return updated.LockedUntil is { } until && updated.Failures == 0
            ? Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds))
            : null;
    }

    public void RecordSuccess(string usernameKey)
    {
        if (_shared is not null)
        {
            _shared.Remove([usernameKey.ToLowerInvariant()]);
            return;
        }

        if (!_entries.ContainsKey(usernameKey))
        {
            return;
        }

        lock (_storeGate)
        {
            if (_entries.TryRemove(usernameKey, out _))
            {
                _store?.Remove([usernameKey.ToLowerInvariant()]);
            }
        }
    }

    private int? SecondsLeft(DateTimeOffset until)
    {
        var left = until - _clock.GetUtcNow();
        return left > TimeSpan.Zero ? Math.Max(1, (int)Math.Ceiling(left.TotalSeconds)) : null;
    }

    private int? RecordSharedFailure(string key, DateTimeOffset now)
    {
        var updated = _shared!.Update(key, stored =>
        {
            var next = Next(stored is null ? new Entry(0, now, null) : new Entry(stored.Failures, stored.FirstFailure, stored.LockedUntil), now);
            return new LoginLockoutRow { UsernameKey = key, Failures = next.Failures, FirstFailure = next.FirstFailure, LockedUntil = next.LockedUntil };
        });

        // Now and then, and by one node only, the rows that have run out go (guessed names must not grow the table for ever).
        if (Interlocked.Increment(ref _failuresSincePrune) >= PruneSharedEvery && (_leadership?.IsLeader ?? true))
        {
            Interlocked.Exchange(ref _failuresSincePrune, 0);
            _shared.RemoveStale(now, _lockoutDuration);
        }

        return updated.LockedUntil is { } until && updated.Failures == 0
            ? Math.Max(1, (int)Math.Ceiling((until - now).TotalSeconds))
            : null;
    }

    private Entry Next(Entry entry, DateTimeOffset now)
    {
        if (entry.LockedUntil is { } until && until > now)
        {
            return entry;
        }

        // A finished lockout, or failures older than one lockout period, are forgotten: a typo a day never locks anyone out.
        if (entry.LockedUntil is not null || now - entry.FirstFailure > _lockoutDuration)
        {
            entry = new Entry(0, now, null);
        }

        var failures = entry.Failures + 1;
        return failures >= _lockoutFailures
            ? new Entry(0, now, now + _lockoutDuration)
            : entry with { Failures = failures };
    }

    private void Prune(DateTimeOffset now)
    {
        lock (_storeGate)
        {
            var removed = new List<string>();
            foreach (var (key, entry) in _entries)
            {
                if (IsStale(entry, now) && _entries.TryRemove(key, out _))
                {
                    removed.Add(key.ToLowerInvariant());
                }
            }

            _store?.Remove(removed);
        }
    }

    private bool IsStale(Entry entry, DateTimeOffset now) =>
        entry.LockedUntil is { } until ? until < now : now - entry.FirstFailure > _lockoutDuration;

    private sealed record Entry(int Failures, DateTimeOffset FirstFailure, DateTimeOffset? LockedUntil);
}
