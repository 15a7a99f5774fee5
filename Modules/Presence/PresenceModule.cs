using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Presence.Data;
using ZiyadMessenger.Modules.Presence.Heartbeat;
using ZiyadMessenger.Modules.Presence.Status;
using ZiyadMessenger.Modules.Presence.Tracking;

namespace ZiyadMessenger.Modules.Presence;

public sealed class PresenceModule : IModule
{
    public string Name => ModuleNames.Presence;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<PresenceOptions, PresenceOptionsValidator>(PresenceOptions.Section);
        services.AddSingleton<PresenceTracker>();
        services.AddSingleton<OnlineHistory>();
        services.AddModuleDbContext<PresenceDbContext, PostgresPresenceDbContext>(context, ModuleNames.Presence);
        services.AddHostedService<PresenceDispatcher>();
        services.AddHostedService<PresenceSweeper>();
        if (context.Store.IsPostgres)
        {
            // Several nodes: presence is shared through the store. A node's sockets live as long as the node does.
            var nodeTimeout = context.Configuration.GetValue("ZiyadMessenger:Cluster:NodeTimeoutSeconds", 60);
            services.AddSingleton(new PresenceSharing(TimeSpan.FromSeconds(Math.Clamp(nodeTimeout, 1, 86_400))));
            services.AddHostedService<PresenceSync>();
        }
        services.AddHealthChecks()
            .AddStoreCheck(Name, "presence_last_seen")
            .AddRunningCheck<PresenceDispatcher>(Name, "dispatcher")
            .AddRunningCheck<PresenceSweeper>(Name, "sweeper");
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        HeartbeatEndpoint.Map(endpoints);
        StatusEndpoint.Map(endpoints);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<PresenceDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        var rows = await db.LastSeen.AsNoTracking().ToListAsync(cancellationToken);
        services.GetRequiredService<PresenceTracker>()
            .Load(rows.Select(r => (r.UserId, DateTimeOffset.FromUnixTimeMilliseconds(r.LastSeenMs))));
    }
}
