using FluentValidation;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary><c>ZiyadMessenger:Cors</c>: which other web pages may call the user APIs from a browser.</summary>
internal sealed class BrowserOriginsOptions
{
    public const string Section = "ZiyadMessenger:Cors";

    /// <summary>Origins (<c>https://chat.example.org</c>, <c>http://10.0.0.5:3000</c>) allowed besides the server's own web client.</summary>
    public string[] Origins { get; set; } = [];

    /// <summary>How long a browser may reuse a preflight answer.</summary>
    public int PreflightMaxAgeSeconds { get; set; } = 600;
}

internal sealed class BrowserOriginsValidator : AbstractValidator<BrowserOriginsOptions>
{
    public BrowserOriginsValidator()
    {
        // Named like the configuration key, Origins:0, not Origins[0].
        RuleForEach(o => o.Origins)
            .OverrideIndexer((_, _, _, index) => ":" + index)
            .Must(origin => CorsSetup.NormalizeOrigin(origin) is not null)
            .WithMessage("'{PropertyValue}' is not an origin (scheme://host[:port], http or https, no path).");
        RuleFor(o => o.PreflightMaxAgeSeconds).InclusiveBetween(0, 86400)
            .WithMessage("{PropertyValue} is not between 0 and 86400.");
    }
}

/// <summary>
/// CORS for the modules a browser talks to (Auth, Messaging, Files, Presence; CONTRACT §0): the server's own
/// web client, which is served on the Messaging port of whatever name the browser used to reach the
/// server, and the configured origins. Nothing else, and never on the Admin, Audit or Cluster ports.
/// Credentials (cookies) are not allowed: the token travels in the Authorization header, so a page never
/// rides a browser's ambient session.
/// </summary>
internal static class CorsSetup
{
    private static readonly HashSet<string> BrowserModules = [ModuleNames.Auth, ModuleNames.Messaging, ModuleNames.Files, ModuleNames.Presence];

    public static IServiceCollection AddZiyadCors(this IServiceCollection services)
    {
        services.AddSettings<BrowserOriginsOptions, BrowserOriginsValidator>(BrowserOriginsOptions.Section);
        services.AddCors();
        services.AddSingleton<ICorsPolicyProvider, BrowserOriginsPolicyProvider>();
        return services;
    }

    /// <summary><c>scheme://host[:port]</c> in lower case without a default port, or null when it is not an http(s) origin.</summary>
    public static string? NormalizeOrigin(string? value)
    {
        var text = value?.Trim() ?? "";
        if (text.EndsWith('/'))
        {
            text = text[..^1];
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0 || text.IndexOfAny(['/', '?', '#', '@'], schemeEnd + 3) >= 0
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.IdnHost.Length == 0)
        {
            return null;
        }

        return (uri.IsDefaultPort ? $"{uri.Scheme}://{uri.IdnHost}" : $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}").ToLowerInvariant();
    }

    private sealed class BrowserOriginsPolicyProvider(BrowserOriginsOptions options, ModulePortMap ports) : ICorsPolicyProvider
    {
        private readonly HashSet<string> _configured = options.Origins.Select(NormalizeOrigin).OfType<string>().ToHashSet(StringComparer.Ordinal);
        private readonly int _clientPort = ports.PortOf(ModuleNames.Messaging);
        private readonly TimeSpan _maxAge = TimeSpan.FromSeconds(options.PreflightMaxAgeSeconds);

        public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
        {
            if (ports.ModuleFor(context) is not { } module || !BrowserModules.Contains(module))
            {
                return Task.FromResult<CorsPolicy?>(null);
            }

            var host = context.Request.Host.Host;
            var policy = new CorsPolicyBuilder()
                .SetIsOriginAllowed(origin => IsAllowed(origin, host))
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("Authorization", "Content-Type", "X-Request-ID", "X-File-Key")
                .WithExposedHeaders("X-Request-ID", "Content-Disposition", "Retry-After")
                .SetPreflightMaxAge(_maxAge)
                .Build();
            return Task.FromResult<CorsPolicy?>(policy);
        }

        /// <summary>
        /// The web client's own origin is the Messaging port on the very host name this request was sent
        /// to: a page from <c>http://chat-server:8081</c> may call <c>http://chat-server:8086</c>.
        /// </summary>
        private bool IsAllowed(string origin, string requestHost)
        {
            var normalized = NormalizeOrigin(origin);
            if (normalized is null)
            {
                return false;
            }

            if (_configured.Contains(normalized))
            {
                return true;
            }

            var uri = new Uri(normalized);
            return uri.Port == _clientPort && string.Equals(uri.IdnHost, requestHost, StringComparison.OrdinalIgnoreCase);
        }
    }
}
