using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery.Cluster;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Users;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>
/// Creates and deletes channels and changes membership: the database first, then the in-memory
/// directory (which sockets consult for every message), then the notification. Changes are serialized
/// so the directory never disagrees with the database about who is a member.
/// </summary>
internal sealed class ChannelService(
    IDbContextFactory<MessagingDbContext> contexts,
    ChannelDirectory directory,
    UserDirectory users,
    NotificationQueue notifications,
    ChannelSignals signals,
    TimeProvider time)
{
    public const int MaxNameLength = 80;
    private readonly SemaphoreSlim _changes = new(1, 1);

    public async Task<ChannelInfo> CreateAsync(string name, string type, string? departmentId, string actorId, CancellationToken cancellationToken)
    {
        name = name.Trim();
        await _changes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var normalized = name.ToUpperInvariant();
            if (await db.Channels.AnyAsync(c => c.NormalizedName == normalized, cancellationToken))
            {
                throw AppException.Conflict($"A channel named '{name}' already exists.");
            }

            var record = new ChannelRecord
            {
                Id = Guid.CreateVersion7().ToString(),
                Name = name,
                NormalizedName = normalized,
                Type = type,
                DepartmentId = string.IsNullOrWhiteSpace(departmentId) ? null : departmentId,
                CreatedAt = time.GetUtcNow(),
                CreatedBy = actorId,
            };
            db.Channels.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            var info = directory.Add(record, []).ToInfo();
            await signals.ChangedAsync(record.Id);
            notifications.Enqueue(new ChannelCreated(info, actorId));
            return info;
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task DeleteAsync(string channelId, string actorId, CancellationToken cancellationToken)
    {
        if (channelId == ChannelDirectory.GeneralId)
        {
            throw AppException.Conflict("The general channel cannot be deleted.");
        }

        await _changes.WaitAsync(cancellationToken);
        try
        {
            var channel = directory.Find(channelId) ?? throw AppException.NotFound("No such channel.");
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // Messages, members and read cursors go with it (ON DELETE CASCADE).
            await db.Channels.Where(c => c.Id == channelId).ExecuteDeleteAsync(cancellationToken);
            directory.Remove(channelId);
            await signals.ChangedAsync(channelId);
            notifications.Enqueue(new ChannelDeleted(channelId, channel.Name, actorId));
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task<ChannelMemberInfo> AddMemberAsync(string channelId, string userId, string role, string actorId, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(userId, cancellationToken);
        if (user is null)
        {
            throw AppException.NotFound("No such user.");
        }

        await _changes.WaitAsync(cancellationToken);
        try
        {
            var channel = directory.Find(channelId) ?? throw AppException.NotFound("No such channel.");
            if (channel.Type == ChannelTypes.Direct)
            {
                throw AppException.BadRequest("A direct message channel always has exactly its two users.");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var existing = await db.Members.FirstOrDefaultAsync(m => m.ChannelId == channelId && m.UserId == userId, cancellationToken);
            if (existing is not null)
            {
                if (existing.Role != role)
                {
                    existing.Role = role;
                    await db.SaveChangesAsync(cancellationToken);
                }

                return new ChannelMemberInfo(channelId, userId, existing.Role, existing.JoinedAt);
            }

            var member = new MemberRecord { ChannelId = channelId, UserId = userId, Role = role, JoinedAt = time.GetUtcNow() };
            db.Members.Add(member);
            await db.SaveChangesAsync(cancellationToken);
            channel.AddMember(userId);
            await signals.ChangedAsync(channelId);
            notifications.Enqueue(new MemberAdded(channelId, userId, role, actorId));
            return new ChannelMemberInfo(channelId, userId, role, member.JoinedAt);
        }
        finally
        {
            _changes.Release();
        }
    }

    public async Task RemoveMemberAsync(string channelId, string userId, string actorId, CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            var channel = directory.Find(channelId) ?? throw AppException.NotFound("No such channel.");
            if (channel.Type == ChannelTypes.Direct)
            {
                throw AppException.BadRequest("A direct message channel always has exactly its two users.");
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var removed = await db.Members.Where(m => m.ChannelId == channelId && m.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            if (removed == 0)
            {
                throw AppException.NotFound("That user is not a member of the channel.");
            }

            // From here on the fan-out skips this user's sockets for the channel.
            channel.RemoveMember(userId);
            await signals.ChangedAsync(channelId);
            notifications.Enqueue(new MemberRemoved(channelId, userId, actorId));
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>The DM channel of two users, created with both as members on first use.</summary>
    public async Task<ChannelState> EnsureDirectAsync(string userA, string userB, string actorId, CancellationToken cancellationToken)
    {
        var id = ChannelDirectory.DirectId(userA, userB);
        if (directory.Find(id) is { } existing)
        {
            return existing;
        }

        await _changes.WaitAsync(cancellationToken);
        try
        {
            if (directory.Find(id) is { } raced)
            {
                return raced;
            }

            var now = time.GetUtcNow();
            var record = new ChannelRecord
            {
                Id = id, Name = id, NormalizedName = id.ToUpperInvariant(), Type = ChannelTypes.Direct, CreatedAt = now, CreatedBy = actorId,
            };
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.Channels.Add(record);
            db.Members.Add(new MemberRecord { ChannelId = id, UserId = userA, Role = "member", JoinedAt = now });
            db.Members.Add(new MemberRecord { ChannelId = id, UserId = userB, Role = "member", JoinedAt = now });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation())
            {
                // Another node (same database) opened this DM at the same moment: its channel is the one.
                return await LoadDirectAsync(id, cancellationToken);
            }

            var state = directory.Add(record, [userA, userB]);
            await signals.ChangedAsync(id);
            notifications.Enqueue(new ChannelCreated(state.ToInfo(), actorId));
            return state;
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>A DM another node created: read from the store into this node's directory.</summary>
    private async Task<ChannelState> LoadDirectAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var record = await db.Channels.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
        var members = await db.Members.AsNoTracking().Where(m => m.ChannelId == id).Select(m => m.UserId).ToListAsync(cancellationToken);
        return directory.Find(id) ?? directory.Add(record, members);
    }

    /// <summary>The public <c>general</c> channel exists from the first start.</summary>
    public static async Task SeedAsync(MessagingDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.Channels.AnyAsync(c => c.Id == ChannelDirectory.GeneralId, cancellationToken))
        {
            return;
        }

        db.Channels.Add(new ChannelRecord
        {
            Id = ChannelDirectory.GeneralId, Name = "general", NormalizedName = "GENERAL", Type = ChannelTypes.Public, CreatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // Two nodes started on an empty database at once; the other one made it.
            db.ChangeTracker.Clear();
        }
    }
}
