using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Presence.Data;

namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>
/// The clock of presence: expires users whose window passed, samples the online count for the
/// monitoring series, and writes changed last-seen times to the store every few seconds and at stop.
/// </summary>
internal sealed class PresenceSweeper(
    PresenceTracker tracker,
    OnlineHistory history,
    PresenceOptions options,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    ILogger<PresenceSweeper> logger) : BackgroundService
{
    private DateTimeOffset _lastFlush = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = clock.GetUtcNow();
                tracker.Sweep(now);
                var (online, busy, away) = tracker.Counts();
                history.Record(now, online + busy + away);
                if (now - _lastFlush >= PresenceOptions.FlushInterval)
                {
                    await FlushAsync(now, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(clock.GetUtcNow(), CancellationToken.None);
    }

    private async Task FlushAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        _lastFlush = now;
        var unsaved = tracker.TakeUnsaved(now);
        if (unsaved.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PresenceDbContext>();
            var ids = unsaved.Select(u => u.UserId).ToList();
            var rows = await db.LastSeen.Where(r => ids.Contains(r.UserId)).ToDictionaryAsync(r => r.UserId, StringComparer.Ordinal, cancellationToken);
            foreach (var (userId, lastSeen) in unsaved)
            {
                var ms = lastSeen.ToUnixTimeMilliseconds();
                if (rows.TryGetValue(userId, out var row))
                {
                    row.LastSeenMs = Math.Max(row.LastSeenMs, ms);
                }
                else
                {
                    db.LastSeen.Add(new LastSeenRow { UserId = userId, LastSeenMs = ms });
                }
            }

            await db.SaveChangesAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A periodic flush cut short by shutdown: the final flush at stop writes these.
            tracker.Requeue(unsaved);
            throw;
        }
        catch (Exception ex)
        {
            // Kept in memory and tried again with the next flush.
            logger.LogWarning(ex, "Saving last-seen times failed; will retry");
            tracker.Requeue(unsaved);
        }
    }
}
