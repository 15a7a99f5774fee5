using Mediator;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.History;

internal sealed record EditRequest(int? Type, string? Content, string? Nonce, string? Signature);

/// <summary><c>PUT /messages/{id}</c>: the sender replaces the content; seq and position stay.</summary>
internal sealed record EditMessage(string UserId, string MessageId, EditRequest Body) : ICommand<MessageView>;

/// <summary><c>DELETE /messages/{id}</c>: the sender leaves a tombstone in place of the message.</summary>
internal sealed record DeleteMessage(string UserId, string MessageId) : ICommand;

internal sealed class EditMessageHandler(IMessageStore store, ChannelDirectory channels, MessageIntake intake, IFanout fanout,
    NotificationQueue notifications, TimeProvider time)
    : ICommandHandler<EditMessage, MessageView>, ICommandHandler<DeleteMessage>
{
    public async ValueTask<MessageView> Handle(EditMessage command, CancellationToken cancellationToken)
    {
        var original = await OwnMessageAsync(command.UserId, command.MessageId, cancellationToken);
        if (original.DeletedAt is not null)
        {
            throw AppException.Conflict("The message was deleted.");
        }

        var fields = intake.ValidateContent(command.Body.Type ?? original.Type, command.Body.Content, command.Body.Nonce, command.Body.Signature);
        var edited = await store.EditAsync(original.Id, fields.Type, fields.Content, fields.Nonce, fields.Signature,
            time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken) ?? throw AppException.Conflict("The message was deleted.");
        fanout.Publish(new MessageUpdated(edited));
        notifications.Enqueue(new MessageEdited(edited.Id, edited.ChannelId, edited.SenderId, edited.Seq));
        return edited.ToView();
    }

    public async ValueTask<Unit> Handle(DeleteMessage command, CancellationToken cancellationToken)
    {
        var original = await OwnMessageAsync(command.UserId, command.MessageId, cancellationToken);
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

    private async Task<StoredMessage> OwnMessageAsync(string userId, string messageId, CancellationToken cancellationToken)
    {
        var message = await store.FindAsync(messageId, cancellationToken);
        // Someone else's message in a channel the caller cannot read does not exist for them.
        if (message is null || channels.Find(message.ChannelId) is not { } channel || !channel.CanAccess(userId))
        {
            throw AppException.NotFound("No such message.");
        }

        if (message.SenderId != userId)
        {
            throw AppException.Forbidden("You can only change your own messages.");
        }

        return message;
    }
}
