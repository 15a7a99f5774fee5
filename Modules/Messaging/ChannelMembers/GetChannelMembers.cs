using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Users;

namespace ZiyadMessenger.Modules.Messaging.ChannelMembers;

/// <summary><c>GET /channel-members</c>.</summary>
internal sealed record GetChannelMembers(string UserId, string? ChannelId) : IQuery<MembersResponse>;

internal sealed record MembersResponse(IReadOnlyList<MemberView> Members);

internal sealed record MemberView(string Id, string Username, string FullName, string? Role);

internal sealed class GetChannelMembersValidator : AbstractValidator<GetChannelMembers>
{
    public GetChannelMembersValidator() => RuleFor(q => q.ChannelId).NotEmpty().WithMessage("channel_id is required.");
}

internal sealed class GetChannelMembersHandler(ChannelAccess access, UserDirectory users, IDbContextFactory<MessagingDbContext> contexts, ISender sender)
    : IQueryHandler<GetChannelMembers, MembersResponse>
{
    public const int MaxPublicMembers = 10_000;

    public async ValueTask<MembersResponse> Handle(GetChannelMembers query, CancellationToken cancellationToken)
    {
        var (channelId, channel) = await access.ForReadAsync(query.UserId, query.ChannelId!, cancellationToken);
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
}

internal static class GetChannelMembersEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/channel-members", async Task<Ok<MembersResponse>> ([FromQuery(Name = "channel_id")] string? channelId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetChannelMembers(user.UserId(), channelId), ct)))
            .Describe("GetChannelMembers", "The members of a channel the caller can read (every active user for a public channel).", 400, 403, 404);
}
