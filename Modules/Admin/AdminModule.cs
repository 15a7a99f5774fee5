using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Admin;

public sealed class AdminModule : IModule
{
    public string Name => ModuleNames.Admin;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => TypedResults.Ok(new { status = "ok", module = Name }));
        endpoints.MapGet("/admin/system/health", () => TypedResults.Ok(new { status = "ok", module = Name }));
    }

    public Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;
}
