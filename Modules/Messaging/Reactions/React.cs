using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Reactions;

/// <summary><c>PUT /messages/{id}/reactions/{emoji}</c>: idempotent; any reader of the channel may react.</summary>
internal sealed record AddReaction(string UserId, string MessageId, string Emoji) : ICommand;

/// <summary><c>DELETE /messages/{id}/reactions/{emoji}</c>: removes the caller's own reaction; idempotent.</summary>
internal sealed record RemoveReaction(string UserId, string MessageId, string Emoji) : ICommand;

internal sealed class AddReactionValidator : AbstractValidator<AddReaction>
{
    public AddReactionValidator() => RuleFor(c => c.Emoji).Must(EmojiRules.IsValid).WithMessage(EmojiRules.Description);
}

internal sealed class RemoveReactionValidator : AbstractValidator<RemoveReaction>
{
    public RemoveReactionValidator() => RuleFor(c => c.Emoji).Must(EmojiRules.IsValid).WithMessage(EmojiRules.Description);
}

/// <summary>
/// Reactions are not written to the audit log: they say nothing about who could see or change what, a
/// busy channel makes thousands of them, and a record of each would bury the entries an administrator
/// looks for. Pins are (see Pins).
/// </summary>
internal sealed class ReactionHandlers(MessageAccess messages, ReactionStore reactions, IFanout fanout, TimeProvider time)
    : ICommandHandler<AddReaction>, ICommandHandler<RemoveReaction>
{
    public async ValueTask<Unit> Handle(AddReaction command, CancellationToken cancellationToken)
    {
        var (message, _) = await messages.FindReadableAsync(command.UserId, command.MessageId, cancellationToken);
        if (message.DeletedAt is not null)
        {
            throw AppException.Conflict("The message was deleted: it cannot take reactions.");
        }

        var outcome = await reactions.AddAsync(message.Id, command.Emoji, command.UserId, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken);
        switch (outcome)
        {
            case ReactionOutcome.TooManyEmoji:
                throw AppException.Conflict($"A message can carry at most {ReactionStore.MaxDistinctPerMessage} different reactions; use one of those already there.");
            case ReactionOutcome.Added:
                fanout.Publish(new ReactionChanged(message.Id, message.ChannelId, command.Emoji, command.UserId, Added: true));
                break;
        }

        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(RemoveReaction command, CancellationToken cancellationToken)
    {
        var (message, _) = await messages.FindReadableAsync(command.UserId, command.MessageId, cancellationToken);
        if (message.DeletedAt is not null)
        {
            throw AppException.Conflict("The message was deleted, and its reactions with it.");
        }

        if (await reactions.RemoveAsync(message.Id, command.Emoji, command.UserId, cancellationToken))
        {
            fanout.Publish(new ReactionChanged(message.Id, message.ChannelId, command.Emoji, command.UserId, Added: false));
        }

        return Unit.Value;
    }
}

internal static class ReactionEndpoints
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPut("/messages/{id}/reactions/{emoji}", async Task<NoContent> (string id, string emoji, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new AddReaction(user.UserId(), id, emoji), ct);
                return TypedResults.NoContent();
            })
            .Describe("AddReaction", "Adds the caller's reaction (an emoji, URL-encoded, or a :short_name:) to a message; idempotent.", 400, 404, 409);

        api.MapDelete("/messages/{id}/reactions/{emoji}", async Task<NoContent> (string id, string emoji, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new RemoveReaction(user.UserId(), id, emoji), ct);
                return TypedResults.NoContent();
            })
            .Describe("RemoveReaction", "Removes the caller's reaction from a message; idempotent.", 400, 404, 409);
    }
}
