using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Deleting;

/// <summary><c>DELETE /messages/{id}</c>: the sender leaves a tombstone in place of the message.</summary>
internal sealed record DeleteMessage(string UserId, string MessageId) : ICommand;

internal sealed class DeleteMessageHandler(IMessageStore store, MessageAccess messages, IFanout fanout, NotificationQueue notifications, TimeProvider time)
    : ICommandHandler<DeleteMessage>
{
    public async ValueTask<Unit> Handle(DeleteMessage command, CancellationToken cancellationToken)
    {
        var original = await messages.FindOwnAsync(command.UserId, command.MessageId, cancellationToken);
        if (original.DeletedAt is not null)
        {
            return Unit.Value;
        }

        var deleted = await store.DeleteAsync(original.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        if (deleted is not null)
        {
            fanout.Publish(new MessageRemoved(deleted));
            notifications.Enqueue(new Contracts.Messaging.MessageDeleted(deleted.Id, deleted.ChannelId, deleted.SenderId, deleted.Seq));
        }

        return Unit.Value;
    }
}

internal static class DeleteMessageEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapDelete("/messages/{id}", async Task<NoContent> (string id, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new DeleteMessage(user.UserId(), id), ct);
                return TypedResults.NoContent();
            })
            .Describe("DeleteMessage", "Deletes one of the caller's own messages, leaving a tombstone in its place.", 403, 404);
}
