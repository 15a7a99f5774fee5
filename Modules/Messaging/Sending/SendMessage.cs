using Mediator;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary><c>POST /send</c>: answered only after the message is committed.</summary>
internal sealed record SendMessage(string SenderId, SendRequest Body) : ICommand<SendResponse>;

internal sealed record SendResponse(string MessageId, bool Success, string ChannelId, long Seq, long Timestamp, string? ClientMsgId, bool Duplicate);

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
