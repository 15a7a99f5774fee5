using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace ZiyadMessenger.Modules.Admin.Dashboard;

/// <summary>
/// Serves the dashboard from resources embedded in this assembly, inside the module's route group, so
/// it answers on the admin port only and the binary alone carries it. Only known files are served.
/// </summary>
internal static class DashboardEndpoints
{
    private const string Prefix = "dashboard/";
    private static readonly Assembly Assembly = typeof(DashboardEndpoints).Assembly;
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    // Resource names use the build machine's separator; normalise once.
    private static readonly Dictionary<string, string> Files = Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .ToDictionary(n => n[Prefix.Length..].Replace('\\', '/'), n => n, StringComparer.Ordinal);

    private static readonly string Version = Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/assets/{**path}", (string path, HttpContext http) => Serve(http, "assets/" + path)).AllowAnonymous().ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext http, string name)
    {
        if (!Files.TryGetValue(name, out var resource))
        {
            return TypedResults.NotFound();
        }

        var etag = new EntityTagHeaderValue($"\"{Version}\"");
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidate every time: the binary may have been upgraded; the ETag keeps it cheap.
        headers.CacheControl = "no-cache";
        if (!ContentTypes.TryGetContentType(name, out var type))
        {
            type = "application/octet-stream";
        }

        return TypedResults.Stream(Assembly.GetManifestResourceStream(resource)!, type, entityTag: etag);
    }
}
