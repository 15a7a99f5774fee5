using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace ZiyadMessenger.Modules.Contracts.Web;

/// <summary>
/// A single-page web app served from resources embedded in an assembly, so the binary alone carries it
/// and it works without internet access. The admin dashboard (Admin) and the web client (Messaging) are
/// both served this way; what they share (styles, the API and socket helpers) is embedded once, here in
/// Contracts, and served by both under <c>/assets/shared/</c>. Only known files are served.
/// </summary>
public sealed class EmbeddedWebApp
{
    /// <summary>Resource prefix of the shared files embedded in this assembly.</summary>
    private const string SharedPrefix = "web-shared/";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly Assembly SharedAssembly = typeof(EmbeddedWebApp).Assembly;

    private readonly Dictionary<string, (Assembly Assembly, string Resource)> _files = new(StringComparer.Ordinal);
    private readonly EntityTagHeaderValue _etag;
    private readonly Func<HttpContext, string> _contentSecurityPolicy;

    /// <param name="assembly">The assembly holding the app's resources.</param>
    /// <param name="prefix">Their logical-name prefix (<c>dashboard/</c>): <c>prefix + "index.html"</c>, <c>prefix + "assets/…"</c>.</param>
    /// <param name="contentSecurityPolicy">Sent with every file.</param>
    public EmbeddedWebApp(Assembly assembly, string prefix, string contentSecurityPolicy)
        : this(assembly, prefix, _ => contentSecurityPolicy)
    {
    }

    /// <param name="contentSecurityPolicy">Made per request (the web client names the server's other ports on the host the browser used).</param>
    public EmbeddedWebApp(Assembly assembly, string prefix, Func<HttpContext, string> contentSecurityPolicy)
    {
        // Resource names use the build machine's separator; normalise once.
        foreach (var name in SharedAssembly.GetManifestResourceNames().Where(n => n.StartsWith(SharedPrefix, StringComparison.Ordinal)))
        {
            _files["assets/shared/" + name[SharedPrefix.Length..].Replace('\\', '/')] = (SharedAssembly, name);
        }

        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _files[name[prefix.Length..].Replace('\\', '/')] = (assembly, name);
        }

        // Both assemblies take part: a new build of either changes what is served.
        var version = assembly.ManifestModule.ModuleVersionId.ToString("N")[..8] + SharedAssembly.ManifestModule.ModuleVersionId.ToString("N")[..8];
        _etag = new EntityTagHeaderValue($"\"{version}\"");
        _contentSecurityPolicy = contentSecurityPolicy;
    }

    /// <summary>Names of the files served (for tests).</summary>
    public IReadOnlyCollection<string> FileNames => _files.Keys;

    /// <summary>Maps <c>GET /</c> to <c>index.html</c> and <c>GET /assets/…</c> to the files, anonymously.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http) => Serve(http, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/assets/{**path}", (string path, HttpContext http) => Serve(http, "assets/" + path)).AllowAnonymous().ExcludeFromDescription();
    }

    public IResult Serve(HttpContext http, string name)
    {
        if (!_files.TryGetValue(name, out var file))
        {
            return TypedResults.NotFound();
        }

        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = _contentSecurityPolicy(http);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidate every time: the binary may have been upgraded; the ETag keeps it cheap.
        headers.CacheControl = "no-cache";
        if (!ContentTypes.TryGetContentType(name, out var type))
        {
            type = "application/octet-stream";
        }

        return TypedResults.Stream(file.Assembly.GetManifestResourceStream(file.Resource)!, type, entityTag: _etag);
    }
}
