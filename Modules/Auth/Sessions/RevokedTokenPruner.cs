using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Auth.Sessions;

/// <summary>Drops logged-out token ids once their tokens have expired, from the table and from memory.</summary>
internal sealed class RevokedTokenPruner(
    IServiceScopeFactory scopes, UserTokenState state, ILeadership leadership, TimeProvider clock, ILogger<RevokedTokenPruner> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not prune expired revoked tokens");
            }
        }
    }

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        // The table is shared when several nodes are: the leader deletes, every node forgets in memory.
        var removed = leadership.IsLeader ? await db.RevokedTokens.Where(t => t.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken) : 0;
        state.PruneExpired(now);
        return removed;
    }
}
