using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Views;

namespace ZiyadMessenger.Modules.Messaging.Pins;

/// <summary><c>GET /pins?channel_id=</c>: the channel's pinned messages, newest pin first.</summary>
internal sealed record ListPins(string UserId, string? ChannelId) : IQuery<PinsResponse>;

internal sealed record PinsResponse(IReadOnlyList<PinnedMessageView> Pins);

/// <summary>The message object plus who pinned it and when (unix ms).</summary>
internal sealed record PinnedMessageView : MessageView
{
    public PinnedMessageView(MessageView message, string pinnedBy, long pinnedAt) : base(message)
    {
        PinnedBy = pinnedBy;
        PinnedAt = pinnedAt;
    }

    public string PinnedBy { get; init; }
    public long PinnedAt { get; init; }
}

internal sealed class ListPinsValidator : AbstractValidator<ListPins>
{
    public ListPinsValidator() => RuleFor(q => q.ChannelId).NotEmpty().WithMessage("channel_id is required.");
}

internal sealed class ListPinsHandler(ChannelAccess access, PinStore pins, IMessageStore store, MessageViews views) : IQueryHandler<ListPins, PinsResponse>
{
    public async ValueTask<PinsResponse> Handle(ListPins query, CancellationToken cancellationToken)
    {
        var (channelId, channel) = await access.ForReadAsync(query.UserId, query.ChannelId!, cancellationToken);
        if (channel is null)
        {
            return new PinsResponse([]);
        }

        var pinned = await pins.ListAsync(channelId, cancellationToken);
        var messages = (await store.FindManyAsync(pinned.Select(p => p.MessageId).ToList(), cancellationToken)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        var list = new List<MessageView>(pinned.Count);
        foreach (var pin in pinned)
        {
            if (messages.TryGetValue(pin.MessageId, out var message))
            {
                list.Add(new PinnedMessageView(message.ToView(), pin.PinnedBy, pin.PinnedAt));
            }
        }

        // Attaching reactions keeps each view's type (records copy themselves virtually).
        var withReactions = await views.WithReactionsAsync(list, cancellationToken);
        return new PinsResponse(withReactions.Cast<PinnedMessageView>().ToList());
    }
}

internal static class ListPinsEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/pins", async Task<Ok<PinsResponse>> ([FromQuery(Name = "channel_id")] string? channelId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListPins(user.UserId(), channelId), ct)))
            .Describe("ListPins", "The pinned messages of a channel the caller can read, newest pin first, each with pinned_by and pinned_at.", 400, 403, 404);
}
