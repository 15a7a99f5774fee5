using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ZiyadMessenger.Modules.Cluster.Data;
using ZiyadMessenger.Modules.Cluster.Join;
using ZiyadMessenger.Modules.Cluster.Membership;
using ZiyadMessenger.Modules.Cluster.Nodes;
using ZiyadMessenger.Modules.Cluster.Status;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Cluster;

/// <summary>
/// The cluster view (CONTRACT §6): this node's identity and health, the nodes that joined it through
/// /join, and on PostgreSQL every node sharing the store (heartbeat rows) and which one leads (the
/// lease row), which also decides <see cref="ILeadership"/> for the jobs that must run once.
/// </summary>
public sealed class ClusterModule : IModule
{
    public string Name => ModuleNames.Cluster;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<ClusterOptions, ClusterOptionsValidator>(ClusterOptions.Section);
        services.AddSingleton(sp => new LocalNode(context.Paths, context.Configuration, sp.GetRequiredService<TimeProvider>()));
        services.AddModuleDbContextFactory<ClusterDbContext, PostgresClusterDbContext>(context, ModuleNames.Cluster);
        services.AddSingleton<INodeRegistry, StoreNodeRegistry>();
        if (context.Store.IsPostgres)
        {
            // Several nodes share the store: membership by heartbeat rows, leadership by the lease row.
            services.AddSingleton<LeaseLeadership>();
            services.AddSingleton<ILeaderView>(sp => sp.GetRequiredService<LeaseLeadership>());
            services.Replace(ServiceDescriptor.Singleton<ILeadership>(sp => sp.GetRequiredService<LeaseLeadership>()));
            services.AddSingleton<PostgresMembership>();
            services.AddSingleton<ClusterHeartbeat>();
            services.AddHostedService(sp => sp.GetRequiredService<ClusterHeartbeat>());
        }
        else
        {
            services.AddSingleton<ILeaderView, SelfLeader>();
        }

        services.AddHealthChecks().AddStoreCheck(Name, "cluster_nodes");
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapStatus();
        endpoints.MapJoin();
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<ClusterDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await db.Database.MigrateAsync(cancellationToken);
        }

        // Made (or read) now, so a bad id file stops the start instead of the first status request.
        _ = services.GetRequiredService<LocalNode>().Id;
        if (services.GetService<ClusterHeartbeat>() is { } heartbeat)
        {
            await heartbeat.BeatOnceAsync(cancellationToken);
        }
    }
}
