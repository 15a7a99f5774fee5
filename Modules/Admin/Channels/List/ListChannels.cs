using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.List;

internal sealed record AdminListChannels : IQuery<IReadOnlyList<ChannelInfo>>;

internal sealed record ChannelList(IReadOnlyList<ChannelInfo> Channels);

internal sealed class AdminListChannelsHandler(ISender sender) : IQueryHandler<AdminListChannels, IReadOnlyList<ChannelInfo>>
{
    public async ValueTask<IReadOnlyList<ChannelInfo>> Handle(AdminListChannels query, CancellationToken cancellationToken) =>
        (await sender.Send(new ListChannels(IncludeDirect: false), cancellationToken)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
}

internal static class ListChannelsEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/channels", async Task<Ok<ChannelList>> (ISender s, CancellationToken ct) => TypedResults.Ok(new ChannelList(await s.Send(new AdminListChannels(), ct))))
            .RequirePermission(AdminPermission.ChannelsRead)
            .WithName("ListChannels")
            .WithSummary("Lists the public and private channels.");
}
