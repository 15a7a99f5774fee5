using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>One channel as the hot path sees it: who may read it, and its newest seq.</summary>
internal sealed class ChannelState(string id, string name, string type, string? departmentId, DateTimeOffset createdAt, long lastSeq, ImmutableHashSet<string> members)
{
    private long _lastSeq = lastSeq;
    private ImmutableHashSet<string> _members = members;

    public string Id { get; } = id;
    public string Name { get; } = name;
    public string Type { get; } = type;
    public string? DepartmentId { get; } = departmentId;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public bool IsPublic => Type == ChannelTypes.Public;
    public long LastSeq => Volatile.Read(ref _lastSeq);
    /// <summary>Explicit members. For public channels they carry roles only: everyone may read and write.</summary>
    public ImmutableHashSet<string> Members => Volatile.Read(ref _members);

    public bool CanAccess(string userId) => IsPublic || Members.Contains(userId);

    public void AdvanceSeq(long seq)
    {
        long current;
        do
        {
            current = Volatile.Read(ref _lastSeq);
            if (seq <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lastSeq, seq, current) != current);
    }

    public void AddMember(string userId) => ImmutableInterlocked.Update(ref _members, m => m.Add(userId));

    public void RemoveMember(string userId) => ImmutableInterlocked.Update(ref _members, m => m.Remove(userId));

    /// <summary>The members as the database holds them (a change made on another node).</summary>
    public void ReplaceMembers(ImmutableHashSet<string> members) => Volatile.Write(ref _members, members);

    public ChannelInfo ToInfo() => new(Id, Name, Type, DepartmentId, CreatedAt, Members.Count, LastSeq);
}

/// <summary>
/// Every channel and its membership, in memory, so that sending and fan-out never ask the database who
/// may read what. Loaded once at start-up; every change goes to the database first, then here.
/// </summary>
internal sealed class ChannelDirectory
{
    public const string GeneralId = "general";

    private readonly ConcurrentDictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);

    public async Task LoadAsync(MessagingDbContext db, CancellationToken cancellationToken)
    {
        var channels = await db.Channels.AsNoTracking().ToListAsync(cancellationToken);
        var members = (await db.Members.AsNoTracking().Select(m => new { m.ChannelId, m.UserId }).ToListAsync(cancellationToken))
            .GroupBy(m => m.ChannelId)
            .ToDictionary(g => g.Key, g => g.Select(m => m.UserId).ToImmutableHashSet(StringComparer.Ordinal));
        _channels.Clear();
        foreach (var c in channels)
        {
            _channels[c.Id] = new ChannelState(c.Id, c.Name, c.Type, c.DepartmentId, c.CreatedAt, c.LastSeq,
                members.GetValueOrDefault(c.Id) ?? ImmutableHashSet.Create<string>(StringComparer.Ordinal));
        }
    }

    public ChannelState? Find(string channelId) => _channels.GetValueOrDefault(channelId);

    /// <summary>
    /// Re-reads one channel and its members (changed on another node): updated in place, added, or
    /// removed when the database no longer has it. Returns the channel as it is now, or null.
    /// </summary>
    public async Task<ChannelState?> RefreshAsync(MessagingDbContext db, string channelId, CancellationToken cancellationToken)
    {
        var record = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId, cancellationToken);
        if (record is null)
        {
            _channels.TryRemove(channelId, out _);
            return null;
        }

        var members = (await db.Members.AsNoTracking().Where(m => m.ChannelId == channelId).Select(m => m.UserId).ToListAsync(cancellationToken))
            .ToImmutableHashSet(StringComparer.Ordinal);
        return Upsert(record, members);
    }

    /// <summary>
    /// Re-reads every channel and membership, channel by channel in place, so the fan-out never sees an
    /// empty directory (after the listener reconnects: whatever changed meanwhile was not heard).
    /// </summary>
    public async Task ReloadAsync(MessagingDbContext db, CancellationToken cancellationToken)
    {
        var channels = await db.Channels.AsNoTracking().ToListAsync(cancellationToken);
        var members = (await db.Members.AsNoTracking().Select(m => new { m.ChannelId, m.UserId }).ToListAsync(cancellationToken))
            .GroupBy(m => m.ChannelId)
            .ToDictionary(g => g.Key, g => g.Select(m => m.UserId).ToImmutableHashSet(StringComparer.Ordinal));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in channels)
        {
            seen.Add(c.Id);
            Upsert(c, members.GetValueOrDefault(c.Id) ?? ImmutableHashSet.Create<string>(StringComparer.Ordinal));
        }

        foreach (var id in _channels.Keys)
        {
            if (!seen.Contains(id))
            {
                _channels.TryRemove(id, out _);
            }
        }
    }

    private ChannelState Upsert(ChannelRecord record, ImmutableHashSet<string> members)
    {
        var state = _channels.GetOrAdd(record.Id, _ => new ChannelState(record.Id, record.Name, record.Type, record.DepartmentId, record.CreatedAt,
            record.LastSeq, members));
        state.ReplaceMembers(members);
        state.AdvanceSeq(record.LastSeq);
        return state;
    }

    public IEnumerable<ChannelState> All => _channels.Values;

    public ChannelState Add(ChannelRecord record, IEnumerable<string> members) =>
        _channels.GetOrAdd(record.Id, _ => new ChannelState(record.Id, record.Name, record.Type, record.DepartmentId, record.CreatedAt,
            record.LastSeq, members.ToImmutableHashSet(StringComparer.Ordinal)));

    public void Remove(string channelId) => _channels.TryRemove(channelId, out _);

    /// <summary>The DM channel of two users: <c>dm:&lt;a&gt;:&lt;b&gt;</c>, ids in ordinal order.</summary>
    public static string DirectId(string a, string b) =>
        string.CompareOrdinal(a, b) <= 0 ? $"dm:{a}:{b}" : $"dm:{b}:{a}";

    /// <summary>Splits a well-formed DM channel id into its two users.</summary>
    public static bool TryParseDirectId(string channelId, out string a, out string b)
    {
        a = b = "";
        if (!channelId.StartsWith("dm:", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = channelId.Split(':');
        if (parts.Length != 3 || parts[1].Length == 0 || parts[2].Length == 0 || DirectId(parts[1], parts[2]) != channelId)
        {
            return false;
        }

        (a, b) = (parts[1], parts[2]);
        return true;
    }
}
