using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.History;

internal sealed record ReadRequest(string? ChannelId, long? Seq);

/// <summary><c>POST /read</c> and the v2 <c>read</c> event: moves the caller's read cursor, never backwards.</summary>
internal sealed record MarkRead(string UserId, ReadRequest Body) : ICommand<ReadResponse>;

internal sealed record ReadResponse(string ChannelId, long LastReadSeq);

internal sealed class MarkReadHandler(ChannelAccess access, IDbContextFactory<MessagingDbContext> contexts, IFanout fanout)
    : ICommandHandler<MarkRead, ReadResponse>
{
    public async ValueTask<ReadResponse> Handle(MarkRead command, CancellationToken cancellationToken)
    {
        var (channelIdText, seq) = (command.Body.ChannelId, command.Body.Seq);
        if (string.IsNullOrWhiteSpace(channelIdText))
        {
            throw AppException.Field("channel_id", "channel_id is required.");
        }

        if (seq is not { } wanted || wanted < 0)
        {
            throw AppException.Field("seq", "seq is required (0 or more).");
        }

        var (channelId, channel) = await access.ForReadAsync(command.UserId, channelIdText, cancellationToken);
        if (channel is null)
        {
            return new ReadResponse(channelId, 0);
        }

        // A cursor past the newest message would hide messages that have not been written yet.
        var target = Math.Min(wanted, channel.LastSeq);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var userId = command.UserId;
        var moved = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO messaging_read_cursors (UserId, ChannelId, Seq) VALUES ({userId}, {channelId}, {target}) ON CONFLICT (UserId, ChannelId) DO UPDATE SET Seq = excluded.Seq WHERE excluded.Seq > Seq",
            cancellationToken);
        var current = await db.ReadCursors.Where(r => r.UserId == userId && r.ChannelId == channelId).Select(r => r.Seq).FirstOrDefaultAsync(cancellationToken);
        if (moved > 0)
        {
            fanout.Publish(new ReadMoved(channelId, userId, current));
        }

        return new ReadResponse(channelId, current);
    }
}
