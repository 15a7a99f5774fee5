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
