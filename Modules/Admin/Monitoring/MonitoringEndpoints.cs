using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Monitoring;

internal static class MonitoringEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var monitoring = app.MapGroup("/admin/monitoring").RequireAuthorization(AuthPolicies.Admin);
        monitoring.MapGet("/network", (MonitoringService m, CancellationToken ct) => Section(() => m.NetworkAsync(ct), "network"));
        monitoring.MapGet("/users", (MonitoringService m, CancellationToken ct) => Section(() => m.UsersAsync(ct), "users"));
        monitoring.MapGet("/messages", (MonitoringService m, CancellationToken ct) => Section(() => m.MessagesAsync(ct), "messages"));
        monitoring.MapGet("/files", (MonitoringService m, CancellationToken ct) => Section(() => m.FilesAsync(ct), "files"));
        monitoring.MapGet("/system", (MonitoringService m) => TypedResults.Ok(m.System()));
        monitoring.MapGet("/overview", async (MonitoringService m, CancellationToken ct) => TypedResults.Ok(await m.OverviewAsync(ct)));

        var system = app.MapGroup("/admin/system").RequireAuthorization(AuthPolicies.Admin);
        system.MapGet("/health", async (MonitoringService m, CancellationToken ct) => TypedResults.Ok(await m.HealthAsync(ct)));
        system.MapGet("/metrics", (EndpointMetrics metrics) => TypedResults.Ok(new { since = metrics.Started, endpoints = metrics.Snapshot() }));

        app.MapGet("/admin/cluster/status", (MonitoringService m, CancellationToken ct) => Section(() => m.ClusterAsync(ct), "cluster"))
            .RequireAuthorization(AuthPolicies.Admin);
    }

    private static async Task<IResult> Section<T>(Func<Task<T>> read, string name)
    {
        try
        {
            return TypedResults.Ok(await read());
        }
        catch (Exception ex) when (ex is not AppException and not OperationCanceledException)
        {
            // The owning module failed; the server log has the reason (MonitoringService logs it).
            throw new AppException(503, $"The {name} figures are unavailable right now.");
        }
    }
}
