using System.Security.Claims;
using System.Text.Json.Nodes;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary><c>GET /mentions</c>: the caller's mentions, newest first, in channels they can still read.</summary>
internal sealed record ListMentions(string UserId, int? Limit, long? Before) : IQuery<MentionsResponse>;

/// <param name="Mentions">
/// Each is the message object with <c>mentioned_at</c> (unix ms: the send, or the edit that added the mention) beside its fields.
/// </param>
internal sealed record MentionsResponse(IReadOnlyList<JsonObject> Mentions);

internal sealed class ListMentionsValidator : AbstractValidator<ListMentions>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public ListMentionsValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null).WithMessage($"limit must be from 1 to {MaxLimit}.");
        RuleFor(q => q.Before).GreaterThan(0).When(q => q.Before is not null).WithMessage("before must be a time in unix milliseconds.");
    }
}

internal sealed class ListMentionsHandler(ChannelDirectory directory, IMentionStore store, Views.MessageViews views) : IQueryHandler<ListMentions, MentionsResponse>
{
    public async ValueTask<MentionsResponse> Handle(ListMentions query, CancellationToken cancellationToken)
    {
        var readable = directory.All.Where(c => c.CanAccess(query.UserId)).Select(c => c.Id).ToList();
        var found = store.List(query.UserId, readable, query.Before ?? long.MaxValue, query.Limit ?? ListMentionsValidator.DefaultLimit);
        var messages = await views.ToViewsAsync(found.Select(f => f.Message).ToList(), cancellationToken);
        var items = found.Select((f, i) =>
        {
            var item = System.Text.Json.JsonSerializer.SerializeToNode(messages[i], WireJson.Options)!.AsObject();
            item["mentioned_at"] = f.MentionedAt;
            return item;
        }).ToList();
        return new MentionsResponse(items);
    }
}

internal static class MentionsEndpoint
{
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder api) =>
        api.MapGet("/mentions", async Task<Ok<MentionsResponse>> (int? limit, long? before, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new ListMentions(user.UserId(), limit, before), ct)))
            .Describe("ListMentions", "The caller's mentions, newest first")
            .WithDescription("Messages that mention the caller (@username, @channel, @here) in channels they can read. Page back with before=<mentioned_at of the last one>.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
}
