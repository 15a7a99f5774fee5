using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Monitoring;

internal static class MonitoringEndpoints
{
    internal sealed record EndpointMetricsView(DateTimeOffset Since, IReadOnlyList<EndpointStats> Endpoints);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/monitoring/network", (MonitoringService m, CancellationToken ct) => Section(() => m.NetworkAsync(ct), "network"))
            .Monitoring("MonitorNetwork", "Node id, nodes, healthy nodes, uptime, open sockets and connected users.");
        app.MapGet("/admin/monitoring/users", (MonitoringService m, CancellationToken ct) => Section(() => m.UsersAsync(ct), "users"))
            .Monitoring("MonitorUsers", "Users: total, active, online, busy, away, active today, online per minute over the last hour.");
        app.MapGet("/admin/monitoring/messages", (MonitoringService m, CancellationToken ct) => Section(() => m.MessagesAsync(ct), "messages"))
            .Monitoring("MonitorMessages", "Messages: total, last hour, today, per minute over the last hour.");
        app.MapGet("/admin/monitoring/files", (MonitoringService m, CancellationToken ct) => Section(() => m.FilesAsync(ct), "files"))
            .Monitoring("MonitorFiles", "Files: count, bytes, uploads, downloads and transfers today, transfers per minute.");
        app.MapGet("/admin/monitoring/system", Ok<SystemSection> (MonitoringService m) => TypedResults.Ok(m.System()))
            .Monitoring("MonitorSystem", "The process: version, runtime, OS, uptime, CPU, memory, threads, free disk.");
        app.MapGet("/admin/monitoring/overview", async Task<Ok<Overview>> (MonitoringService m, CancellationToken ct) => TypedResults.Ok(await m.OverviewAsync(ct)))
            .Monitoring("MonitorOverview", "The five sections together; a module that cannot answer is null and named in 'unavailable'.");

        app.MapGet("/admin/system/health", async Task<Ok<SystemHealth>> (MonitoringService m, CancellationToken ct) => TypedResults.Ok(await m.HealthAsync(ct)))
            .RequirePermission(AdminPermission.SystemRead)
            .WithName("SystemHealth")
            .WithSummary("Checks the database, the disk and each module.");
        app.MapGet("/admin/system/metrics", Ok<EndpointMetricsView> (EndpointMetrics metrics) => TypedResults.Ok(new EndpointMetricsView(metrics.Started, metrics.Snapshot())))
            .RequirePermission(AdminPermission.SystemRead)
            .WithName("SystemMetrics")
            .WithSummary("Per endpoint since start: count, errors, average and percentile latencies.");
        app.MapGet("/admin/cluster/status", (MonitoringService m, CancellationToken ct) => Section(() => m.ClusterAsync(ct), "cluster"))
            .RequirePermission(AdminPermission.SystemRead)
            .WithName("ClusterStatus")
            .WithSummary("The cluster's nodes, leader and health.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static RouteHandlerBuilder Monitoring(this RouteHandlerBuilder builder, string name, string summary) =>
        builder.RequirePermission(AdminPermission.MonitoringRead)
            .WithName(name)
            .WithSummary(summary)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Ok<T>> Section<T>(Func<Task<T>> read, string name)
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
