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
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Views;

namespace ZiyadMessenger.Modules.Messaging.Threads;

/// <summary>
/// <c>GET /threads/{root_id}?after=&amp;limit=</c>: the root and a page of its replies in ascending seq
/// (the oldest <c>limit</c> above <c>after</c>). Naming a reply gives the thread it belongs to.
/// </summary>
internal sealed record GetThread(string UserId, string RootId, long? After, int? Limit) : IQuery<ThreadResponse>;

/// <param name="HasMore">More replies follow the last one: ask again with <c>after</c> = its seq.</param>
internal sealed record ThreadResponse(MessageView Root, IReadOnlyList<MessageView> Replies, bool HasMore);

internal sealed class GetThreadValidator : AbstractValidator<GetThread>
{
    public GetThreadValidator()
    {
        RuleFor(q => q.After).GreaterThanOrEqualTo(0).When(q => q.After is not null).WithMessage("after must be a seq (0 or more).");
        RuleFor(q => q.Limit).InclusiveBetween(1, GetThreadHandler.MaxLimit).When(q => q.Limit is not null)
            .WithMessage($"limit must be from 1 to {GetThreadHandler.MaxLimit}.");
    }
}

internal sealed class GetThreadHandler(MessageAccess messages, IMessageStore store, MessageViews views) : IQueryHandler<GetThread, ThreadResponse>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async ValueTask<ThreadResponse> Handle(GetThread query, CancellationToken cancellationToken)
    {
        var (root, _) = await messages.FindReadableAsync(query.UserId, query.RootId, cancellationToken);
        if (root.RootId is { } realRoot)
        {
            root = await store.FindAsync(realRoot, cancellationToken) ?? throw AppException.NotFound("No such message.");
        }

        var limit = query.Limit ?? DefaultLimit;
        var replies = await store.ReadRepliesAsync(root.Id, query.After ?? 0, limit + 1, cancellationToken);
        var hasMore = replies.Count > limit;
        var page = new List<StoredMessage>(Math.Min(replies.Count, limit) + 1) { root };
        page.AddRange(replies.Take(limit));
        var all = await views.ToViewsAsync(page, cancellationToken);
        return new ThreadResponse(all[0], all.Skip(1).ToList(), hasMore);
    }
}

internal static class GetThreadEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapGet("/threads/{root_id}", async Task<Ok<ThreadResponse>> (string root_id, long? after, int? limit, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new GetThread(user.UserId(), root_id, after, limit), ct)))
            .Describe("GetThread", "A thread: its root and a page of replies in ascending seq (after= the last seq seen).", 400, 404);
}
