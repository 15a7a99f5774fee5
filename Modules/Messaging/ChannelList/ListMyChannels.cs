using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;

namespace ZiyadMessenger.Modules.Messaging.ChannelList;

/// <summary><c>GET /channels</c>: public channels and the caller's private channels and DMs, with read state.</summary>
internal sealed record ListMyChannels(string UserId) : IQuery<ChannelsResponse>;

internal sealed record ChannelsResponse(IReadOnlyList<ChannelView> Channels);

internal sealed record ChannelView(
    string Id, string Name, string Type, string? DepartmentId, DateTimeOffset CreatedAt, int MemberCount,
    long LastSeq, long LastReadSeq, long UnreadCount, string? PeerId, long MentionCount = 0);

internal sealed class ListMyChannelsHandler(ChannelDirectory directory, IDbContextFactory<MessagingDbContext> contexts, Mentions.IMentionStore mentions)
    : IQueryHandler<ListMyChannels, ChannelsResponse>
{
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
}

internal static class ListMyChannelsEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/channels", async Task<Ok<ChannelsResponse>> (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListMyChannels(user.UserId()), ct)))
            .Describe("ListChannels", "The channels the caller can read, with their newest seq and the caller's read state.");
}
