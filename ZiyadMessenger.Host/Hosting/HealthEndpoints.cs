using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>One check as <c>GET /health</c> shows it.</summary>
internal sealed record HealthCheckAnswer(string Name, string Status, string? Description, double DurationMs);

/// <summary>
/// <c>GET /health</c>: <c>status</c> is <c>ok</c> (as it always was for a working module), <c>degraded</c>
/// or <c>unhealthy</c> (then with 503), and each of the module's checks.
/// </summary>
internal sealed record HealthAnswer(string Status, string Module, IReadOnlyList<HealthCheckAnswer> Checks);

/// <summary>
/// Maps the framework's health check endpoint into each module's route group: the checks run are the
/// ones the module tagged with its name, so every port reports on its own module only.
/// </summary>
internal static class HealthEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void MapModuleHealth(this IEndpointRouteBuilder group, string module) =>
        group.MapHealthChecks("/health", new HealthCheckOptions
            {
                Predicate = registration => registration.Tags.Contains(module),
                ResponseWriter = (context, report) => WriteAsync(context, module, report),
            })
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(HealthAnswer), ["application/json"]))
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(HealthAnswer), ["application/json"]))
            .WithName($"{module}Health")
            .WithSummary($"Is the {module} module working")
            .WithDescription("200 while every check passes (`status`: `ok`) or some are degraded; 503 when one fails (`unhealthy`). No token needed.")
            .AllowAnonymous();

    private static Task WriteAsync(HttpContext context, string module, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var checks = report.Entries
            .Select(e => new HealthCheckAnswer(e.Key, StatusName(e.Value.Status), e.Value.Description, Math.Round(e.Value.Duration.TotalMilliseconds, 2)))
            .ToList();
        return JsonSerializer.SerializeAsync(context.Response.Body, new HealthAnswer(StatusName(report.Status), module, checks), Json, context.RequestAborted);
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
