using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Per-client-IP limits with ASP.NET Core's built-in limiter: a general window on every module, and a
/// stricter one on login endpoints (policy <see cref="LoginPolicy"/>). The client IP is the connection's;
/// <c>X-Forwarded-For</c> counts only from the configured trusted proxies.
/// </summary>
internal static class RateLimitSetup
{
    public const string LoginPolicy = "login";

    public static IServiceCollection AddZiyadRateLimiting(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);

        services.AddOptions<ForwardedHeadersOptions>().Configure<RateLimitOptions>((options, limits) =>
        {
            var (addresses, networks) = limits.Proxies();
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            // With both lists empty the middleware would believe every sender: without a configured proxy,
            // X-Forwarded-For is not read at all.
            options.ForwardedHeaders = addresses.Count + networks.Count == 0 ? ForwardedHeaders.None : ForwardedHeaders.XForwardedFor;
            addresses.ForEach(options.KnownProxies.Add);
            networks.ForEach(options.KnownIPNetworks.Add);
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitOptions>((options, limits) =>
        {
            var permits = limits.PermitsPerWindow;
            var window = TimeSpan.FromSeconds(limits.WindowSeconds);
            var loginPermits = limits.LoginPermitsPerMinute;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? (int)Math.Ceiling(after.TotalSeconds)
                    : (int)window.TotalSeconds;
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, retry).ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 429, Detail = "Too many requests from this address: wait and retry." },
                });
            };

            if (permits > 0)
            {
                // One allowance per module and address: a client busy on one port is not locked out of the others.
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    RateLimitPartition.GetFixedWindowLimiter(ModuleKey(context), _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = permits,
                        Window = window,
                        QueueLimit = 0,
                    }));
            }

            options.AddPolicy(LoginPolicy, context => loginPermits <= 0
                ? RateLimitPartition.GetNoLimiter("none")
                : RateLimitPartition.GetFixedWindowLimiter(ClientKey(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = loginPermits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        return services;
    }

    private static string ModuleKey(HttpContext context) =>
        $"{context.RequestServices.GetRequiredService<ModulePortMap>().ModuleFor(context)}|{ClientKey(context)}";

    private static string ClientKey(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}

/// <summary>The <c>ZiyadMessenger:RateLimits</c> settings.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "ZiyadMessenger:RateLimits";

    /// <summary>Requests per client address and module per window; 0: no limit.</summary>
    public int PermitsPerWindow { get; set; } = 1200;
    public int WindowSeconds { get; set; } = 10;
    /// <summary>Register, login and password-change requests per client address per minute; 0: no limit.</summary>
    public int LoginPermitsPerMinute { get; set; } = 30;
    /// <summary>Proxy addresses or networks (10.0.0.0/8) whose X-Forwarded-For is believed.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    public (List<IPAddress> Addresses, List<System.Net.IPNetwork> Networks) Proxies()
    {
        var addresses = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var proxy in TrustedProxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()))
        {
            if (IPAddress.TryParse(proxy, out var address))
            {
                addresses.Add(address);
            }
            else if (System.Net.IPNetwork.TryParse(proxy, out var network))
            {
                networks.Add(network);
            }
        }

        return (addresses, networks);
    }
}

internal sealed class RateLimitOptionsValidator : AbstractValidator<RateLimitOptions>
{
    public RateLimitOptionsValidator()
    {
        RuleFor(o => o.PermitsPerWindow).GreaterThanOrEqualTo(0)
            .WithMessage("'{PropertyValue}' is not 0 (no limit) or more requests.");
        RuleFor(o => o.WindowSeconds).InclusiveBetween(1, 3600)
            .WithMessage("'{PropertyValue}' is not between 1 and 3600 seconds.");
        RuleFor(o => o.LoginPermitsPerMinute).GreaterThanOrEqualTo(0)
            .WithMessage("'{PropertyValue}' is not 0 (no limit) or more requests.");
        RuleForEach(o => o.TrustedProxies)
            .Must(p => string.IsNullOrWhiteSpace(p) || IPAddress.TryParse(p.Trim(), out _) || System.Net.IPNetwork.TryParse(p.Trim(), out _))
            .WithMessage("'{PropertyValue}' is neither an IP address nor a network (10.0.0.0/8).")
            .OverridePropertyName("TrustedProxies");
    }
}
