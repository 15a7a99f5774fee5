using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Admin.Monitoring;

namespace ZiyadMessenger.Modules.Admin.Live;

/// <summary>
/// Every few seconds, while any dashboard is watching: a <c>stats</c> event (the overview numbers and
/// per-minute series, so charts stay exact even if an event was missed) and a <c>health</c> event;
/// the cluster status less often. Also samples CPU and closes feeds of revoked admin sessions.
/// </summary>
internal sealed class LiveTicker(LiveHub hub, CpuSampler cpu, IServiceScopeFactory scopes, AdminSettings settings, ILogger<LiveTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.LiveTick);
        var tick = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                cpu.Sample();
                hub.DropRevoked();
                if (hub.Count == 0)
                {
                    continue;
                }

                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var monitoring = scope.ServiceProvider.GetRequiredService<MonitoringService>();
                    hub.Broadcast("stats", await monitoring.OverviewAsync(stoppingToken));
                    if (tick % 3 == 0)
                    {
                        hub.Broadcast("health", await monitoring.HealthAsync(stoppingToken));
                    }

                    if (tick % 6 == 0)
                    {
                        hub.Broadcast("cluster", await monitoring.ClusterAsync(stoppingToken));
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "The live stats tick failed");
                }

                tick++;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
