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

namespace ZiyadMessenger.Modules.Messaging.History;

/// <summary><c>GET /history</c>: a page of a channel in ascending seq; the newest page unless before/after say otherwise.</summary>
internal sealed record GetHistory(string UserId, string? ChannelId, int? Limit, long? Before, long? After) : IQuery<IReadOnlyList<MessageView>>;

internal sealed class GetHistoryValidator : AbstractValidator<GetHistory>
{
    public GetHistoryValidator()
    {
        RuleFor(q => q.ChannelId).NotEmpty().WithMessage("channel_id is required.");
        RuleFor(q => q.Limit).InclusiveBetween(1, GetHistoryHandler.MaxLimit).When(q => q.Limit is not null)
            .WithMessage($"limit must be from 1 to {GetHistoryHandler.MaxLimit}.");
        RuleFor(q => q.Before).GreaterThanOrEqualTo(0).When(q => q.Before is not null).WithMessage("before must be a seq (0 or more).");
        RuleFor(q => q.After).GreaterThanOrEqualTo(0).When(q => q.After is not null).WithMessage("after must be a seq (0 or more).");
    }
}

internal sealed class GetHistoryHandler(ChannelAccess access, IMessageStore store, MessageViews views) : IQueryHandler<GetHistory, IReadOnlyList<MessageView>>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async ValueTask<IReadOnlyList<MessageView>> Handle(GetHistory query, CancellationToken cancellationToken)
    {
        var (channelId, channel) = await access.ForReadAsync(query.UserId, query.ChannelId!, cancellationToken);
        if (channel is null)
        {
            return [];
        }

        var messages = await store.ReadAsync(channelId, query.Before, query.After, query.Limit ?? DefaultLimit, cancellationToken);
        return await views.ToViewsAsync(messages, cancellationToken);
    }
}

internal static class GetHistoryEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/history", async Task<Ok<IReadOnlyList<MessageView>>> (
                [FromQuery(Name = "channel_id")] string? channelId, int? limit, long? before, long? after,
                ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetHistory(user.UserId(), channelId, limit, before, after), ct)))
            .Describe("GetHistory", "A page of a channel's messages in ascending seq (the newest page by default).", 400, 403, 404);
}
