using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Monitoring;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Live;

internal static class LiveEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // Browsers cannot set headers on a WebSocket: the admin token comes as ?token= (the Host reads it).
        app.MapGet("/admin/ws", async (HttpContext http, LiveHub hub, MonitoringService monitoring) =>
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                throw AppException.BadRequest("This endpoint speaks WebSocket only.");
            }

            var version = int.Parse(http.User.FindFirst(ZiyadClaims.TokenVersion)!.Value, CultureInfo.InvariantCulture);
            // The first frame is a full snapshot, so a dashboard can draw before the first tick.
            var hello = hub.Frame("hello", await monitoring.OverviewAsync(http.RequestAborted));
            using var socket = await http.WebSockets.AcceptWebSocketAsync();
            await hub.RunAsync(socket, http.User.UserId(), version, hello, http.RequestAborted);
            return Results.Empty;
        })
        .RequirePermission(AdminPermission.MonitoringRead)
        .WithName("LiveFeed")
        .WithSummary("The live event feed, a WebSocket (the admin token as ?token=); 400 for a plain HTTP request.")
        .ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
