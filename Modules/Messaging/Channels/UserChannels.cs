using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Users;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary><c>GET /channels</c>: public channels and the caller's private channels and DMs, with read state.</summary>
internal sealed record ListMyChannels(string UserId) : IQuery<ChannelsResponse>;

internal sealed record ChannelsResponse(IReadOnlyList<ChannelView> Channels);

internal sealed record ChannelView(
    string Id, string Name, string Type, string? DepartmentId, DateTimeOffset CreatedAt, int MemberCount,
    long LastSeq, long LastReadSeq, long UnreadCount, string? PeerId, long MentionCount = 0);

/// <summary><c>GET /channel-members</c>.</summary>
internal sealed record GetChannelMembers(string UserId, string? ChannelId) : IQuery<MembersResponse>;

internal sealed record MembersResponse(IReadOnlyList<MemberView> Members);

internal sealed record MemberView(string Id, string Username, string FullName, string? Role);

/// <summary><c>POST /dm</c>.</summary>
internal sealed record OpenDirect(string UserId, string? TargetUserId) : ICommand<DirectResponse>;

internal sealed record DirectRequest(string? TargetUserId);

internal sealed record DirectResponse(string ChannelId);

internal sealed class UserChannelsHandlers(
    ChannelDirectory directory,
    ChannelAccess access,
    UserDirectory users,
    IDbContextFactory<MessagingDbContext> contexts,
    ISender sender,
    Mentions.MentionStore mentions)
    : IQueryHandler<ListMyChannels, ChannelsResponse>, IQueryHandler<GetChannelMembers, MembersResponse>, ICommandHandler<OpenDirect, DirectResponse>
{
    public const int MaxPublicMembers = 10_000;

    public async ValueTask<ChannelsResponse> Handle(ListMyChannels query, CancellationToken cancellationToken)
    {
        var userId = query.UserId;
        var visible = directory.All.Where(c => c.CanAccess(userId)).OrderBy(c => c.Type).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var cursors = await db.ReadCursors.AsNoTracking().Where(r => r.UserId == userId).ToDictionaryAsync(r => r.ChannelId, r => r.Seq, cancellationToken);
        var mentionCounts = mentions.CountUnread(userId);
        var views = new List<ChannelView>(visible.Count);
        foreach (var channel in visible)
        {
            var lastSeq = channel.LastSeq;
            var lastRead = Math.Min(cursors.GetValueOrDefault(channel.Id), lastSeq);
            // One's own messages are never unread, nor are tombstones.
            var unread = lastRead >= lastSeq
                ? 0
                : await db.Messages.CountAsync(m => m.ChannelId == channel.Id && m.Seq > lastRead && m.SenderId != userId && m.DeletedAt == null, cancellationToken);
            var peer = channel.Type == Contracts.Messaging.ChannelTypes.Direct ? channel.Members.FirstOrDefault(m => m != userId) ?? userId : null;
            views.Add(new ChannelView(channel.Id, channel.Name, channel.Type, channel.DepartmentId, channel.CreatedAt, channel.Members.Count,
                lastSeq, lastRead, unread, peer, mentionCounts.GetValueOrDefault(channel.Id)));
        }

        return new ChannelsResponse(views);
    }

    public async ValueTask<MembersResponse> Handle(GetChannelMembers query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(query.ChannelId))
        {
            throw AppException.Field("channel_id", "channel_id is required.");
        }

        var (channelId, channel) = await access.ForReadAsync(query.UserId, query.ChannelId, cancellationToken);
        if (channel is null)
        {
            // A DM not used yet: its two users are its members already.
            ChannelDirectory.TryParseDirectId(channelId, out var a, out var b);
            return new MembersResponse((await users.FindManyAsync([a, b], cancellationToken)).Select(u => new MemberView(u.Id, u.Username, u.FullName, "member")).ToList());
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var roles = await db.Members.AsNoTracking().Where(m => m.ChannelId == channelId).ToDictionaryAsync(m => m.UserId, m => m.Role, cancellationToken);
        IReadOnlyList<UserInfo> people;
        if (channel.IsPublic)
        {
            // Everyone may read a public channel, so everyone active is in it.
            var everyone = new List<UserInfo>();
            while (everyone.Count < MaxPublicMembers)
            {
                var page = await sender.Send(new ListUsers(null, everyone.Count, 1000, IncludeInactive: false), cancellationToken);
                everyone.AddRange(page.Users);
                if (page.Users.Count == 0 || everyone.Count >= page.Total)
                {
                    break;
                }
            }

            people = everyone;
        }
        else
        {
            people = await users.FindManyAsync(channel.Members, cancellationToken);
        }

        return new MembersResponse(people
            .OrderBy(u => u.Username, StringComparer.OrdinalIgnoreCase)
            .Select(u => new MemberView(u.Id, u.Username, u.FullName, roles.GetValueOrDefault(u.Id, "member")))
            .ToList());
    }

    public async ValueTask<DirectResponse> Handle(OpenDirect command, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(command.TargetUserId))
        {
            throw AppException.Field("target_user_id", "target_user_id is required.");
        }

        var channel = await access.OpenDirectAsync(command.UserId, command.TargetUserId, cancellationToken);
        return new DirectResponse(channel.Id);
    }
}
