using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Send;

/// <summary><c>POST /send</c>: answered only after the message is committed.</summary>
internal sealed record SendMessage(string SenderId, SendRequest Body) : ICommand<SendResponse>;

internal sealed record SendResponse(string MessageId, bool Success, string ChannelId, long Seq, long Timestamp, string? ClientMsgId, bool Duplicate);

/// <summary>
/// The cheap field rules of a send, for HTTP and other bus callers. The WebSocket path does not go
/// through the bus: <see cref="MessageIntake"/> checks the same fields itself (it runs for every frame of
/// the send benchmark, where the pipeline's allocations would show), and the intake still decodes the
/// content for both paths (a 413 there, not a 400, when it is too large).
/// </summary>
internal sealed class SendMessageValidator : AbstractValidator<SendMessage>
{
    public SendMessageValidator()
    {
        RuleFor(c => c.Body.ChannelId).NotEmpty().WithMessage("channel_id is required.")
            .MaximumLength(MessageIntake.MaxChannelIdLength).WithMessage("channel_id is too long.")
            .OverridePropertyName("channel_id");
        RuleFor(c => c.Body.Type).InclusiveBetween(0, 255).When(c => c.Body.Type is not null)
            .WithMessage("type must be an integer from 0 to 255.").OverridePropertyName("type");
        RuleFor(c => c.Body.Content).NotEmpty().WithMessage("content is required (base64).").OverridePropertyName("content");
        RuleFor(c => c.Body.ClientMsgId!)
            .Must(id => id.Length is > 0 and <= MessageIntake.MaxClientMsgIdLength && !id.Any(char.IsControl))
            .When(c => c.Body.ClientMsgId is not null)
            .WithMessage($"client_msg_id must be 1-{MessageIntake.MaxClientMsgIdLength} printable characters.")
            .OverridePropertyName("client_msg_id");
        RuleFor(c => c.Body.RootId).NotEmpty().MaximumLength(MessageIntake.MaxRootIdLength).When(c => c.Body.RootId is not null)
            .WithMessage("root_id must be the id of a message in the same channel.").OverridePropertyName("root_id");
    }
}

internal sealed class SendMessageHandler(MessageIntake intake) : ICommandHandler<SendMessage, SendResponse>
{
    public async ValueTask<SendResponse> Handle(SendMessage command, CancellationToken cancellationToken)
    {
        var committed = await intake.SubmitAsync(command.SenderId, command.Body, cancellationToken);
        // Not cancellable: the message is queued and will be stored whether or not the client waits.
        var (message, duplicate) = await committed;
        return new SendResponse(message.Id, true, message.ChannelId, message.Seq, message.Timestamp, message.ClientMsgId, duplicate);
    }
}

internal static class SendEndpoint
{
    public static void Map(IEndpointRouteBuilder api, long maxFrameBytes) =>
        api.MapPost("/send", async Task<Ok<SendResponse>> (SendRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new SendMessage(user.UserId(), body), ct)))
            .WithMetadata(new BodySizeLimitMetadata(maxFrameBytes))
            .Describe("SendMessage", "Sends a message to a channel or a user (their DM); answered after it is stored.", 400, 403, 404, 413, 503);
}
