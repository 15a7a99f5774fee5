using Mediator;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Modules.Presence.Tracking;

namespace ZiyadMessenger.Modules.Presence.Stats;

/// <summary>
/// Who is here now (each status counted apart) and, per minute for the last hour, the most users present
/// (online, busy or away) at once: 60 numbers, oldest first, the last being the current minute. The
/// series is kept in memory, so it starts empty after a restart.
/// </summary>
internal sealed class GetPresenceStatsHandler(PresenceTracker tracker, OnlineHistory history, TimeProvider clock) : IQueryHandler<GetPresenceStats, PresenceStats>
{
    public ValueTask<PresenceStats> Handle(GetPresenceStats query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        tracker.Sweep(now);
        var (online, busy, away) = tracker.Counts();
        history.Record(now, online + busy + away);
        return ValueTask.FromResult(new PresenceStats(online, busy, away, history.LastHour(now)));
    }
}
