using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Cluster.Data;
using ZiyadMessenger.Modules.Cluster.Join;
using ZiyadMessenger.Modules.Cluster.Nodes;
using ZiyadMessenger.Modules.Cluster.Status;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Cluster;

/// <summary>
/// The cluster view (CONTRACT §6) of a single-node server: this node's identity and health, and the
/// nodes that joined it. The registry sits behind <see cref="INodeRegistry"/> so that a distributed
/// engine can take its place.
/// </summary>
public sealed class ClusterModule : IModule
{
    public string Name => ModuleNames.Cluster;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<ClusterOptions, ClusterOptionsValidator>(ClusterOptions.Section);
        services.AddSingleton(sp => new LocalNode(context.Paths, context.Configuration, sp.GetRequiredService<TimeProvider>()));
        services.AddModuleDbContextFactory<ClusterDbContext, PostgresClusterDbContext>(context, ModuleNames.Cluster);
        services.AddSingleton<INodeRegistry, SqliteNodeRegistry>();
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
    }
}
