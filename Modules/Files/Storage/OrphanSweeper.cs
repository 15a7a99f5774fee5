using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Files.Data;

namespace ZiyadMessenger.Modules.Files.Storage;

/// <summary>
/// Once after start-up, removes stored files that have no row: the process died between the rename
/// and the commit. Only files older than this process are touched, so a live upload is never raced; in a
/// folder other nodes share, only files untouched for <see cref="FileStore.SharedLeftoverAge"/>.
/// </summary>
internal sealed class OrphanSweeper(IServiceScopeFactory scopes, FileStore store, ILeadership leadership, TimeProvider clock, ILogger<OrphanSweeper> logger)
    : BackgroundService
{
    private readonly DateTime _startedUtc = clock.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The files directory is shared when several nodes are: only the leader sweeps it.
        if (!leadership.IsLeader)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FilesDbContext>();
            var removed = 0;
            var before = store.LeftoverBefore(_startedUtc);
            foreach (var batch in store.EnumerateStored().Chunk(500))
            {
                var ids = batch.Select(f => f.Id.ToString("D")).ToList();
                var known = (await db.Files.AsNoTracking().Where(f => ids.Contains(f.Id)).Select(f => f.Id).ToListAsync(stoppingToken)).ToHashSet();
                foreach (var (id, path) in batch)
                {
                    if (!known.Contains(id.ToString("D")) && File.GetLastWriteTimeUtc(path) < before && FileStore.TryDelete(path))
                    {
                        removed++;
                    }
                }
            }

            if (removed > 0)
            {
                logger.LogWarning("Removed {Count} stored files that had no record (an upload interrupted by a crash)", removed);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Sweeping unrecorded stored files failed");
        }
    }
}
