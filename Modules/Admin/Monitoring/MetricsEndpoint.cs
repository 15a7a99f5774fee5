using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using FluentValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Monitoring;

/// <summary>Who may scrape <c>GET /metrics</c> besides an admin: a configured token, configured addresses.</summary>
internal sealed class MetricsOptions
{
    public const string Section = "ZiyadMessenger:Metrics";
    public const int MinScrapeTokenLength = 32;

    /// <summary>A bearer token for Prometheus (<c>bearer_token</c> / <c>authorization.credentials</c>); empty: none.</summary>
    public string ScrapeToken { get; set; } = "";

    /// <summary>Addresses or networks (<c>10.0.0.5</c>, <c>10.0.0.0/24</c>) that may scrape without a token.</summary>
    public List<string> AllowedAddresses { get; set; } = [];

    internal IReadOnlyList<IPNetwork> AllowedNetworks() => AllowedAddresses.Select(a => ParseNetwork(a)!.Value).ToList();

    internal static IPNetwork? ParseNetwork(string value)
    {
        var text = value.Trim();
        if (IPNetwork.TryParse(text, out var network))
        {
            return network;
        }

        return IPAddress.TryParse(text, out var address)
            ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }
}

internal sealed class MetricsOptionsValidator : AbstractValidator<MetricsOptions>
{
    public MetricsOptionsValidator()
    {
        RuleFor(o => o.ScrapeToken)
            .Must(token => token is null || token.Length == 0 || (token.Length >= MetricsOptions.MinScrapeTokenLength && !token.Any(char.IsWhiteSpace)))
            .WithMessage($"must be at least {MetricsOptions.MinScrapeTokenLength} characters without spaces (or empty: no scrape token).");

        // Named like the configuration key, AllowedAddresses:0, not AllowedAddresses[0].
        RuleForEach(o => o.AllowedAddresses)
            .OverrideIndexer((_, _, _, index) => ":" + index)
            .Must(address => MetricsOptions.ParseNetwork(address ?? "") is not null)
            .WithMessage("'{PropertyValue}' is neither an IP address nor a network (10.0.0.0/8).");
    }
}

/// <summary>
/// <c>GET /metrics</c> on the admin port, in Prometheus text format. Open to an admin token whose role
/// holds <c>system.read</c>, to the configured scrape token, and to the configured addresses; 401 for
/// anyone else, 403 for an admin whose role lacks <c>system.read</c>.
/// </summary>
internal static class MetricsEndpoint
{
    public const string Policy = "metrics";
    public const string ScrapeScheme = "MetricsScrapeToken";

    public static void AddServices(IServiceCollection services)
    {
        services.AddSettings<MetricsOptions, MetricsOptionsValidator>(MetricsOptions.Section);
        services.AddSingleton<ScrapeAccess>();
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ScrapeTokenHandler>(ScrapeScheme, null);
        services.AddScoped<IAuthorizationHandler, MetricsAccessHandler>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(AuthSchemes.Admin, ScrapeScheme)
            .AddRequirements(new MetricsAccessRequirement()));
    }

    public static void Map(IEndpointRouteBuilder endpoints) =>
        // Mapped inside the module's group so only the admin port answers it.
        endpoints.MapPrometheusScrapingEndpoint("/metrics")
            .RequireAuthorization(Policy)
            // A 403 (an admin whose role lacks it) names the permission, as on every other Admin endpoint.
            .WithMetadata(new RequiredPermission(AdminPermission.SystemRead))
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]))
            .WithName("ScrapeMetrics")
            .WithSummary("Metrics in Prometheus text format")
            .WithDescription("Request counts and durations per module, route and status class, ASP.NET Core's and the runtime's metrics. " +
                "Needs an admin token whose role holds system.read, the scrape token of ZiyadMessenger:Metrics:ScrapeToken (as a bearer token), " +
                "or a request from one of ZiyadMessenger:Metrics:AllowedAddresses.");

    /// <summary>The configured token (as a hash, so comparing is constant-time whatever the lengths) and networks.</summary>
    internal sealed class ScrapeAccess(MetricsOptions options)
    {
        private readonly byte[]? _tokenHash = options.ScrapeToken is { Length: > 0 } token ? Hash(token) : null;
        private readonly IReadOnlyList<IPNetwork> _networks = options.AllowedNetworks();

        public bool IsScrapeToken(string presented) =>
            _tokenHash is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _tokenHash);

        public bool IsAllowed(IPAddress? address)
        {
            if (address is null)
            {
                return false;
            }

            if (address.IsIPv4MappedToIPv6)
            {
                address = address.MapToIPv4();
            }

            return _networks.Any(n => n.Contains(address));
        }

        private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Accepts the scrape token; any other bearer token is left to the admin scheme.</summary>
    internal sealed class ScrapeTokenHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ScrapeAccess access)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            const string prefix = "Bearer ";
            if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !access.IsScrapeToken(header[prefix.Length..].Trim()))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ZiyadClaims.Username, "metrics-scraper")], ScrapeScheme, ZiyadClaims.Username, ZiyadClaims.Role);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ScrapeScheme)));
        }

        // The admin scheme, asked first, already wrote the 401 or 403 problem answer.
        protected override Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            if (!Response.HasStarted)
            {
                Response.StatusCode = StatusCodes.Status401Unauthorized;
            }

            return Task.CompletedTask;
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            if (!Response.HasStarted)
            {
                Response.StatusCode = StatusCodes.Status403Forbidden;
            }

            return Task.CompletedTask;
        }
    }

    internal sealed class MetricsAccessRequirement : IAuthorizationRequirement;

    /// <summary>
    /// The scrape token, an allowed address, or an admin token whose role holds <c>system.read</c>, resolved
    /// like every other Admin endpoint's permission (built-in roles from code, any other from the roles table).
    /// </summary>
    internal sealed class MetricsAccessHandler(ScrapeAccess access, AdminRolePermissions roles) : AuthorizationHandler<MetricsAccessRequirement>
    {
        protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, MetricsAccessRequirement requirement)
        {
            var user = context.User;
            var http = context.Resource as HttpContext;
            var scraper = user.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ScrapeScheme);
            var allowedAddress = http is not null && access.IsAllowed(http.Connection.RemoteIpAddress);
            if (scraper || allowedAddress
                || (user.IsAdminToken() && (await roles.OfRoleAsync(user.Role(), http?.RequestAborted ?? CancellationToken.None)).Contains(AdminPermission.SystemRead)))
            {
                context.Succeed(requirement);
            }
        }
    }
}
