using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Files.Data;

namespace ZiyadMessenger.Modules.Files.Stats;

/// <summary>
/// Figures for the Admin dashboard. "Today" starts at 00:00 UTC; the per-minute series has 60 entries,
/// oldest first, the last one being the current (partial) minute, counting uploads and downloads.
/// </summary>
internal sealed class GetFileStatsHandler(FilesDbContext db, TimeProvider clock) : IQueryHandler<GetFileStats, FileStats>
{
    private const long MinuteMs = 60_000;

    public async ValueTask<FileStats> Handle(GetFileStats query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var todayMs = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var currentMinute = nowMs / MinuteMs;
        var firstMinute = currentMinute - 59;

        var totalFiles = await db.Files.LongCountAsync(cancellationToken);
        var totalBytes = totalFiles == 0 ? 0 : await db.Files.SumAsync(f => f.Size, cancellationToken);
        var today = await db.Transfers
            .Where(t => t.AtMs >= todayMs)
            .GroupBy(t => t.Kind)
            .Select(g => new { Kind = g.Key, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        var perMinute = await db.Transfers
            .Where(t => t.AtMs >= firstMinute * MinuteMs)
            .GroupBy(t => t.AtMs / MinuteMs)
            .Select(g => new { Minute = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);

        var series = new int[60];
        foreach (var bucket in perMinute)
        {
            var index = bucket.Minute - firstMinute;
            if (index is >= 0 and < 60)
            {
                series[index] = bucket.Count;
            }
        }

        return new FileStats(
            totalFiles,
            totalBytes,
            today.Where(t => t.Kind == FileTransfer.Upload).Sum(t => t.Count),
            today.Where(t => t.Kind == FileTransfer.Download).Sum(t => t.Count),
            series);
    }
}
