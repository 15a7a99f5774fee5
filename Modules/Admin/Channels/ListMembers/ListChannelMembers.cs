using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.ListMembers;

internal sealed record AdminListMembers(string ChannelId) : IQuery<IReadOnlyList<MemberView>>;

internal sealed record MemberList(IReadOnlyList<MemberView> Members);

internal sealed class AdminListMembersHandler(ISender sender) : IQueryHandler<AdminListMembers, IReadOnlyList<MemberView>>
{
    public async ValueTask<IReadOnlyList<MemberView>> Handle(AdminListMembers query, CancellationToken cancellationToken)
    {
        await ChannelLookup.FindAsync(sender, query.ChannelId, cancellationToken);
        var members = await sender.Send(new ListChannelMembers(query.ChannelId), cancellationToken);
        var users = (await sender.Send(new GetUsers(members.Select(m => m.UserId).ToList()), cancellationToken)).ToDictionary(u => u.Id);
        return members
            .Select(m => new MemberView(m.UserId, users.GetValueOrDefault(m.UserId)?.Username, users.GetValueOrDefault(m.UserId)?.FullName, m.Role, m.JoinedAt))
            .OrderBy(m => m.Username ?? m.UserId, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }
}

internal static class ListChannelMembersEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/channels/{id}/members", async Task<Ok<MemberList>> (string id, ISender s, CancellationToken ct) =>
                TypedResults.Ok(new MemberList(await s.Send(new AdminListMembers(id), ct))))
            .RequirePermission(AdminPermission.ChannelsRead)
            .WithName("ListChannelMembers")
            .WithSummary("Lists a channel's members with their names.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
