using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiyadMessenger.Host.Hosting;

namespace ZiyadMessenger.Host.Operations;

/// <summary>The host's one hook for operations: start-up checks, service managers, the upgrade guard.</summary>
internal static class OperationsSetup
{
    public static void AddZiyadOperations(this WebApplicationBuilder builder, ServerSettings settings)
    {
        StartupChecks.CheckSettingShapes(builder.Configuration);
        StartupChecks.CheckDataDirectory(settings.DataDirectory);

        // Each is a no-op unless the process was started by that service manager: systemd gets
        // READY=1 once every listener is open and a clean stop on SIGTERM; Windows gets a service.
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = "ZiyadMessenger");

        builder.Services.AddSingleton(new RegisteredDbContexts(builder.Services));
    }
}
