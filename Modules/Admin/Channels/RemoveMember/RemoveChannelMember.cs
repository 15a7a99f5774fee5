using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.RemoveMember;

internal sealed record AdminRemoveMember(string ChannelId, string UserId, AdminActor Actor) : ICommand;

internal sealed class AdminRemoveMemberHandler(ISender sender, IPublisher publisher) : ICommandHandler<AdminRemoveMember>
{
    public async ValueTask<Unit> Handle(AdminRemoveMember command, CancellationToken cancellationToken)
    {
        var channel = await ChannelLookup.FindAsync(sender, command.ChannelId, cancellationToken);
        await sender.Send(new RemoveChannelMember(channel.Id, command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.member_remove", $"channel:{channel.Id}", $"user_id={command.UserId}", cancellationToken);
        return Unit.Value;
    }
}

internal static class RemoveChannelMemberEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/channels/{id}/members/{userId}", async Task<NoContent> (string id, string userId, HttpContext http, ISender s) =>
            {
                await s.Send(new AdminRemoveMember(id, userId, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("RemoveChannelMember")
            .WithSummary("Removes a user from a channel.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
