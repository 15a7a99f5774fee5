using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.Delete;

internal sealed record AdminDeleteChannel(string ChannelId, AdminActor Actor) : ICommand;

internal sealed class AdminDeleteChannelHandler(ISender sender, IPublisher publisher) : ICommandHandler<AdminDeleteChannel>
{
    public async ValueTask<Unit> Handle(AdminDeleteChannel command, CancellationToken cancellationToken)
    {
        var channel = await ChannelLookup.FindAsync(sender, command.ChannelId, cancellationToken);
        await sender.Send(new DeleteChannel(channel.Id, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.delete", $"channel:{channel.Id}", $"name={channel.Name}", cancellationToken);
        return Unit.Value;
    }
}

internal static class DeleteChannelEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/channels/{id}", async Task<NoContent> (string id, HttpContext http, ISender s) =>
            {
                await s.Send(new AdminDeleteChannel(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("DeleteChannel")
            .WithSummary("Deletes a channel.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
