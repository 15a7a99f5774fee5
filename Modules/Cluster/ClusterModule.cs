using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Cluster;

public sealed class ClusterModule : IModule
{
    public string Name => ModuleNames.Cluster;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => TypedResults.Ok(new { status = "ok", module = Name }));
        endpoints.MapGet("/status", () => TypedResults.Ok(new { module = Name }));
    }

    public Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;
}
