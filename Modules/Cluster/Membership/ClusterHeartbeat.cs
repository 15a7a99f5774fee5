using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Cluster.Membership;

/// <summary>
/// On PostgreSQL: writes this node's heartbeat row and renews (or takes) the leader lease every
/// quarter of <c>NodeTimeoutSeconds</c>; as leader, forgets nodes gone for a day. A clean stop marks
/// the node stopped and frees the lease, so another node leads at its next beat.
/// </summary>
internal sealed class ClusterHeartbeat(
    PostgresMembership membership, ILeadership leadership, IServiceScopeFactory scopes, TimeProvider clock, ILogger<ClusterHeartbeat> logger)
    : BackgroundService
{
    private static readonly TimeSpan ForgetEvery = TimeSpan.FromMinutes(10);
    private bool _first = true;
    private bool _failing;
    private bool _wasLeader;
    private DateTimeOffset _lastForget = DateTimeOffset.MinValue;

    /// <summary>The first beat, before the listeners open: /status lists this node from its first answer.</summary>
    public Task BeatOnceAsync(CancellationToken cancellationToken) => BeatAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(membership.BeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await BeatAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await membership.LeaveAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not mark this node stopped; the others will see it unhealthy within the node timeout");
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (sockets, users) = await ConnectionsAsync(cancellationToken);
            await membership.BeatAsync(sockets, users, _first, cancellationToken);
            _first = false;
            if (_failing)
            {
                _failing = false;
                logger.LogInformation("Cluster heartbeat works again");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!_failing)
            {
                _failing = true;
                logger.LogWarning(ex, "Cluster heartbeat failed; this node stops leading when its lease runs out, and retries");
            }
        }

        var leads = leadership.IsLeader;
        if (leads != _wasLeader)
        {
            _wasLeader = leads;
            logger.LogInformation(leads ? "This node now leads the cluster" : "This node no longer leads the cluster");
        }

        if (leads && clock.GetUtcNow() - _lastForget >= ForgetEvery)
        {
            _lastForget = clock.GetUtcNow();
            try
            {
                await membership.ForgetGoneAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "Forgetting gone nodes failed; tried again later");
            }
        }
    }

    private async Task<(int Sockets, int Users)> ConnectionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var stats = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetConnectionStats(), cancellationToken);
            return (stats.OpenSockets, stats.ConnectedUsers);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Connection counts are unavailable for the heartbeat");
            return (0, 0);
        }
    }
}
