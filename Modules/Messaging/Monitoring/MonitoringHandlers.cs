using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Monitoring;

/// <summary>Numbers for Admin's monitoring and Cluster's node status, and presence pushes from Presence.</summary>
internal sealed class MonitoringHandlers(
    ChannelDirectory channels,
    ConnectionRegistry connections,
    IFanout fanout,
    IDbContextFactory<MessagingDbContext> contexts,
    TimeProvider time)
    : IQueryHandler<GetMessageStats, MessageStats>, IQueryHandler<GetConnectionStats, ConnectionStats>, ICommandHandler<BroadcastPresence>
{
    public async ValueTask<MessageStats> Handle(GetMessageStats query, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var hourAgo = now.AddHours(-1).ToUnixTimeMilliseconds();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
        // Every seq is one message ever sent: the total needs no scan.
        var total = channels.All.Sum(c => c.LastSeq);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var today = await db.Messages.LongCountAsync(m => m.Timestamp >= midnight, cancellationToken);
        var lastHour = await db.Messages.Where(m => m.Timestamp >= hourAgo).Select(m => m.Timestamp).ToListAsync(cancellationToken);
        var perMinute = new int[60];
        var nowMs = now.ToUnixTimeMilliseconds();
        foreach (var ts in lastHour)
        {
            var minutesAgo = (int)((nowMs - ts) / 60_000);
            if (minutesAgo is >= 0 and < 60)
            {
                perMinute[59 - minutesAgo]++;
            }
        }

        return new MessageStats(total, lastHour.Count, today, perMinute);
    }

    public ValueTask<ConnectionStats> Handle(GetConnectionStats query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(connections.Stats());

    public ValueTask<Unit> Handle(BroadcastPresence command, CancellationToken cancellationToken)
    {
        fanout.Publish(new PresenceMoved(command.UserId, command.Status, command.LastSeen));
        return ValueTask.FromResult(Unit.Value);
    }
}
