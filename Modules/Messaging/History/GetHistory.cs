using Mediator;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.History;

/// <summary><c>GET /history</c>: a page of a channel in ascending seq; the newest page unless before/after say otherwise.</summary>
internal sealed record GetHistory(string UserId, string? ChannelId, int? Limit, long? Before, long? After) : IQuery<IReadOnlyList<MessageView>>;

internal sealed class GetHistoryHandler(ChannelAccess access, IMessageStore store) : IQueryHandler<GetHistory, IReadOnlyList<MessageView>>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public async ValueTask<IReadOnlyList<MessageView>> Handle(GetHistory query, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(query.ChannelId))
        {
            throw AppException.Field("channel_id", "channel_id is required.");
        }

        var limit = query.Limit ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit)
        {
            throw AppException.Field("limit", $"limit must be from 1 to {MaxLimit}.");
        }

        if (query.Before is < 0)
        {
            throw AppException.Field("before", "before must be a seq (0 or more).");
        }

        if (query.After is < 0)
        {
            throw AppException.Field("after", "after must be a seq (0 or more).");
        }

        var (channelId, channel) = await access.ForReadAsync(query.UserId, query.ChannelId, cancellationToken);
        if (channel is null)
        {
            return [];
        }

        var messages = await store.ReadAsync(channelId, query.Before, query.After, limit, cancellationToken);
        return messages.Select(m => m.ToView()).ToList();
    }
}
