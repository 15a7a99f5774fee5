using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Contracts.Health;

/// <summary>
/// The health checks a module registers on the framework's health check service. Each is tagged with
/// its module's name: the Host answers <c>GET /health</c> on a module's port with that module's checks
/// only, so a failing writer in Messaging shows on the Messaging port and nowhere else.
/// </summary>
public static class ModuleHealthChecks
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The module's part of the store answers: a read of one of its own tables.</summary>
    public static IHealthChecksBuilder AddStoreCheck(this IHealthChecksBuilder builder, string module, string table) =>
        builder.Add(new HealthCheckRegistration(
            CheckName(module, "store"),
            sp => new StoreHealthCheck(sp.GetRequiredService<StoreConnections>(), table),
            HealthStatus.Unhealthy,
            [module],
            Timeout));

    /// <summary>A background service the module cannot work without is still running.</summary>
    public static IHealthChecksBuilder AddRunningCheck<TService>(this IHealthChecksBuilder builder, string module, string name)
        where TService : BackgroundService =>
        builder.Add(new HealthCheckRegistration(
            CheckName(module, name),
            sp => new RunningHealthCheck<TService>(sp.GetServices<IHostedService>()),
            HealthStatus.Unhealthy,
            [module],
            Timeout));

    public static string CheckName(string module, string check) => $"{module.ToLowerInvariant()}.{check}";
}

/// <summary>Reads one row of a module's table through a fresh connection: the store is reachable, the schema is there, it answers.</summary>
public sealed class StoreHealthCheck(StoreConnections store, string table) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await store.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT 1 FROM \"{table}\" LIMIT 1;";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("The store answers.");
        }
        catch (Exception e) when (e is System.Data.Common.DbException || StoreConnections.IsUnavailable(e))
        {
            return HealthCheckResult.Unhealthy("The store cannot be read.", e);
        }
    }
}

/// <summary>Healthy while the service's loop runs; a loop that ended (stopped or failed) is unhealthy.</summary>
public sealed class RunningHealthCheck<TService>(IEnumerable<IHostedService> hosted) : IHealthCheck
    where TService : BackgroundService
{
    private readonly TService? _service = hosted.OfType<TService>().FirstOrDefault();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_service?.ExecuteTask switch
        {
            null => HealthCheckResult.Unhealthy("It is not running."),
            { IsFaulted: true } task => HealthCheckResult.Unhealthy("It stopped after a failure.", task.Exception?.InnerException),
            { IsCompleted: true } => HealthCheckResult.Unhealthy("It has stopped."),
            _ => HealthCheckResult.Healthy("Running."),
        });
}
