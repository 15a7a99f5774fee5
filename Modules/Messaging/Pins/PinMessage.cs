using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;

namespace ZiyadMessenger.Modules.Messaging.Pins;

/// <summary><c>PUT /messages/{id}/pin</c>: any reader of the channel (its members; everyone for a public channel); idempotent.</summary>
internal sealed record PinMessage(string UserId, string MessageId) : ICommand;

/// <summary><c>DELETE /messages/{id}/pin</c>: likewise; idempotent.</summary>
internal sealed record UnpinMessage(string UserId, string MessageId) : ICommand;

/// <summary>
/// Pins go to the audit log (MessagePinned/MessageUnpinned): they decide what a whole channel sees
/// first, they are rare, and "who pinned that" is a question administrators ask.
/// </summary>
internal sealed class PinHandlers(MessageAccess messages, PinStore pins, IFanout fanout, NotificationQueue notifications, TimeProvider time)
    : ICommandHandler<PinMessage>, ICommandHandler<UnpinMessage>
{
    public async ValueTask<Unit> Handle(PinMessage command, CancellationToken cancellationToken)
    {
        var (message, _) = await messages.FindReadableAsync(command.UserId, command.MessageId, cancellationToken);
        if (message.DeletedAt is not null)
        {
            throw AppException.Conflict("The message was deleted: it cannot be pinned.");
        }

        if (await pins.PinAsync(message.Id, message.ChannelId, command.UserId, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken))
        {
            fanout.Publish(new PinChanged(message.Id, message.ChannelId, command.UserId, Pinned: true));
            notifications.Enqueue(new MessagePinned(message.Id, message.ChannelId, command.UserId));
        }

        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(UnpinMessage command, CancellationToken cancellationToken)
    {
        var (message, _) = await messages.FindReadableAsync(command.UserId, command.MessageId, cancellationToken);
        if (await pins.UnpinAsync(message.Id, cancellationToken))
        {
            fanout.Publish(new PinChanged(message.Id, message.ChannelId, command.UserId, Pinned: false));
            notifications.Enqueue(new MessageUnpinned(message.Id, message.ChannelId, command.UserId));
        }

        return Unit.Value;
    }
}

internal static class PinEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPut("/messages/{id}/pin", async Task<NoContent> (string id, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new PinMessage(user.UserId(), id), ct);
                return TypedResults.NoContent();
            })
            .Describe("PinMessage", "Pins a message in its channel; idempotent.", 404, 409);

        api.MapDelete("/messages/{id}/pin", async Task<NoContent> (string id, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new UnpinMessage(user.UserId(), id), ct);
                return TypedResults.NoContent();
            })
            .Describe("UnpinMessage", "Unpins a message; idempotent.", 404);
    }
}
