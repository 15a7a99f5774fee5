using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Web;

namespace ZiyadMessenger.Modules.Admin.Dashboard;

/// <summary>
/// Serves the dashboard from resources embedded in this assembly (plus the files it shares with the web
/// client, under <c>/assets/shared/</c>), inside the module's route group, so it answers on the admin
/// port only and the binary alone carries it.
/// </summary>
internal static class DashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    private static readonly EmbeddedWebApp App = new(typeof(DashboardEndpoints).Assembly, "dashboard/", ContentSecurityPolicy);

    public static void Map(IEndpointRouteBuilder app) => App.Map(app);
}
