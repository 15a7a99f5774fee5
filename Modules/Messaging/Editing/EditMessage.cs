using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Views;

namespace ZiyadMessenger.Modules.Messaging.Editing;

internal sealed record EditRequest(int? Type, string? Content, string? Nonce, string? Signature);

/// <summary><c>PUT /messages/{id}</c>: the sender replaces the content; seq and position stay.</summary>
internal sealed record EditMessage(string UserId, string MessageId, int? Type, string? Content, string? Nonce, string? Signature) : ICommand<MessageView>;

internal sealed class EditMessageValidator : AbstractValidator<EditMessage>
{
    public EditMessageValidator()
    {
        RuleFor(c => c.Type).InclusiveBetween(0, 255).When(c => c.Type is not null).WithMessage("type must be an integer from 0 to 255.");
        // Base64 and size are checked where the content is decoded (a 413, not a 400, when it is too large).
        RuleFor(c => c.Content).NotEmpty().WithMessage("content is required (base64).");
    }
}

internal sealed class EditMessageHandler(IMessageStore store, MessageAccess messages, MessageIntake intake, MessageViews views, IFanout fanout,
    NotificationQueue notifications, TimeProvider time)
    : ICommandHandler<EditMessage, MessageView>
{
    public async ValueTask<MessageView> Handle(EditMessage command, CancellationToken cancellationToken)
    {
        var original = await messages.FindOwnAsync(command.UserId, command.MessageId, cancellationToken);
        if (original.DeletedAt is not null)
        {
            throw AppException.Conflict("The message was deleted.");
        }

        var fields = intake.ValidateContent(command.Type ?? original.Type, command.Content, command.Nonce, command.Signature);
        var edited = await store.EditAsync(original.Id, fields.Type, fields.Content, fields.Nonce, fields.Signature,
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken) ?? throw AppException.Conflict("The message was deleted.");
        var view = await views.ToViewAsync(edited, cancellationToken);
        fanout.Publish(new MessageUpdated(edited, view));
        notifications.Enqueue(new MessageEdited(edited.Id, edited.ChannelId, edited.SenderId, edited.Seq));
        return view;
    }
}

internal static class EditMessageEndpoint
{
    public static void Map(IEndpointRouteBuilder api, long maxFrameBytes) =>
        api.MapPut("/messages/{id}", async Task<Ok<MessageView>> (string id, EditRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new EditMessage(user.UserId(), id, body.Type, body.Content, body.Nonce, body.Signature), ct)))
            .WithMetadata(new BodySizeLimitMetadata(maxFrameBytes))
            .Describe("EditMessage", "Replaces the content of one of the caller's own messages.", 400, 403, 404, 409, 413);
}
