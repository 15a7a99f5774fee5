using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Which of the server's background loops ended in a failure. The generic host stops the whole server
/// when one does (its default, StopHost), but it then returns as from a clean stop, so the process would
/// exit with 0 and a supervisor told to restart on failure (the shipped systemd unit) would leave it down.
/// </summary>
internal static class FailedServices
{
    /// <summary>The type names of the background services whose loop failed; empty after a clean stop.</summary>
    public static IReadOnlyList<string> Of(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<BackgroundService>()
            .Where(service => service.ExecuteTask is { IsFaulted: true })
            .Select(service => service.GetType().Name)
            .Distinct()
            .ToList();
}
