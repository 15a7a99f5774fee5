using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Web;

namespace ZiyadMessenger.Modules.Messaging.WebClient;

/// <summary>
/// The office web client (CONTRACT §9): <c>GET /</c> on the Messaging port, every file embedded in this
/// assembly, nothing loaded from elsewhere. It talks to Auth, Files and Presence on their own ports of the
/// same server (CORS allows its origin there), so <c>/client-config</c> tells it which ports those are.
/// </summary>
internal static class WebClientEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints, MessagingOptions options)
    {
        var ports = endpoints.ServiceProvider.GetRequiredService<ModulePorts>();
        var app = new EmbeddedWebApp(typeof(WebClientEndpoints).Assembly, "webclient/", http => ContentSecurityPolicy(http, ports));
        app.Map(endpoints);

        endpoints.MapGet("/client-config", async (ISender sender, CancellationToken ct) =>
            TypedResults.Ok(new ClientConfig(
                new ClientPorts(ports[ModuleNames.Auth], ports[ModuleNames.Files], ports[ModuleNames.Presence]),
                options.MaxContentBytes,
                await sender.Send(new GetUploadLimit(), ct))))
            .AllowAnonymous()
            .WithName("Messaging.ClientConfig")
            .WithSummary("The web client's settings: the ports of Auth, Files and Presence, and the size limits");
    }

    /// <summary>Scripts and styles from this port only; requests to this server's user-facing ports only.</summary>
    private static string ContentSecurityPolicy(HttpContext http, ModulePorts ports)
    {
        var host = http.Request.Host.Host;
        var scheme = http.Request.Scheme == "https" ? "https" : "http";
        var ws = scheme == "https" ? "wss" : "ws";
        var self = ports[ModuleNames.Messaging];
        var others = string.Join(' ', new[] { ModuleNames.Auth, ModuleNames.Files, ModuleNames.Presence }.Select(m => $"{scheme}://{host}:{ports[m]}"));
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; " +
               $"connect-src 'self' {others} {ws}://{host}:{self}; font-src 'self'; object-src 'none'; base-uri 'none'; " +
               "frame-ancestors 'none'; form-action 'self'";
    }

    private sealed record ClientPorts(int Auth, int Files, int Presence);

    private sealed record ClientConfig(ClientPorts Ports, int MaxContentBytes, long MaxUploadBytes);
}
