using System.Globalization;
using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Host.Security;

/// <summary>
/// Two bearer schemes over one key: user tokens (audience ziyad-user) for every user-facing module, and
/// admin tokens (audience ziyad-admin). After the signature and lifetime check, the owning module is
/// asked on the bus whether the token was revoked (logout, password change, reset, deactivation).
/// </summary>
internal static class AuthenticationSetup
{
    public static IServiceCollection AddZiyadAuthentication(this IServiceCollection services, byte[] signingKey)
    {
        var key = new SymmetricSecurityKey(signingKey) { KeyId = "ziyad-1" };
        services.AddSingleton(key);
        services.AddSingleton<ITokenIssuer, TokenIssuer>();
        services.AddSingleton<IPasswordHasher, Argon2idPasswordHasher>();

        services.AddAuthentication(AuthSchemes.User)
            .AddJwtBearer(AuthSchemes.User, options => Configure(options, key, TokenAudience.User))
            .AddJwtBearer(AuthSchemes.Admin, options => Configure(options, key, TokenAudience.Admin));

        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.User, p => p.AddAuthenticationSchemes(AuthSchemes.User).RequireAuthenticatedUser())
            .AddPolicy(AuthPolicies.Admin, p => p.AddAuthenticationSchemes(AuthSchemes.Admin).RequireAuthenticatedUser()
                .RequireClaim(ZiyadClaims.Role, "super_admin", "admin"))
            .AddPolicy(AuthPolicies.SuperAdmin, p => p.AddAuthenticationSchemes(AuthSchemes.Admin).RequireAuthenticatedUser()
                .RequireClaim(ZiyadClaims.Role, "super_admin"))
            .AddPolicy(AuthPolicies.AnyAccount, p => p.AddAuthenticationSchemes(AuthSchemes.User, AuthSchemes.Admin).RequireAuthenticatedUser());
        return services;
    }

    private static void Configure(JwtBearerOptions options, SymmetricSecurityKey key, TokenAudience audience)
    {
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = TokenIssuer.Issuer,
            ValidAudience = TokenIssuer.AudienceOf(audience),
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            // Not-before tolerates nodes whose clocks are a little apart. Expiry is exact, as everywhere
            // else in the server: an open socket is closed at exp, and a revoked token's entry is pruned
            // at exp. With the skew on exp too, a logged-out token would work again once pruned, and a
            // closed socket could reconnect with its expired token for half a minute.
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = (options.TimeProvider ?? TimeProvider.System).GetUtcNow().UtcDateTime;
                return expires is { } exp && exp > now && (notBefore is not { } nbf || nbf <= now + parameters.ClockSkew);
            },
            NameClaimType = ZiyadClaims.Username,
            RoleClaimType = ZiyadClaims.Role,
            AuthenticationType = audience == TokenAudience.Admin ? AuthSchemes.Admin : AuthSchemes.User,
        };
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Browsers cannot set headers on a WebSocket: the token may come as ?token=.
                if (string.IsNullOrEmpty(context.Request.Headers.Authorization) &&
                    context.Request.Query.TryGetValue("token", out var token) && !string.IsNullOrEmpty(token))
                {
                    context.Token = token.ToString();
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = async context =>
            {
                var principal = context.Principal!;
                var subject = principal.FindUserId();
                var tokenId = principal.TokenId();
                var versionText = principal.FindFirst(ZiyadClaims.TokenVersion)?.Value;
                if (subject is null || tokenId is null ||
                    !int.TryParse(versionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
                {
                    context.Fail("The token is missing required claims.");
                    return;
                }

                var sender = context.HttpContext.RequestServices.GetRequiredService<ISender>();
                var valid = audience == TokenAudience.Admin
                    ? await sender.Send(new ValidateAdminToken(subject, version, tokenId), context.HttpContext.RequestAborted)
                    : await sender.Send(new ValidateUserToken(subject, version, tokenId), context.HttpContext.RequestAborted);
                if (!valid)
                {
                    context.Fail("The token has been revoked.");
                    return;
                }

                context.Principal = Slim(principal);
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var message = context.AuthenticateFailure is null
                    ? "Authentication required: send a valid token."
                    : "The token is invalid, expired or revoked: log in again.";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, message);
            },
            OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Your account may not do that."),
        };
    }

    private static readonly string[] KeptClaims =
        [ZiyadClaims.Subject, ZiyadClaims.Username, ZiyadClaims.Role, ZiyadClaims.TokenVersion, ZiyadClaims.TokenId, ZiyadClaims.ExpiresAt];

    /// <summary>
    /// The principal a request keeps: the claims the server reads, nothing else. The validated identity
    /// also holds the parsed token (its encoded text, header, payload and a second set of claims), and an
    /// open WebSocket keeps its request's principal for hours: trimmed, 10,000 sockets hold about 50 MB
    /// less (see BENCHMARKS.md, connections).
    /// </summary>
    private static ClaimsPrincipal Slim(ClaimsPrincipal principal)
    {
        var source = principal.Identities.First();
        var claims = new List<Claim>(KeptClaims.Length);
        foreach (var type in KeptClaims)
        {
            if (source.FindFirst(type) is { } claim)
            {
                claims.Add(new Claim(type, claim.Value, claim.ValueType));
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, source.AuthenticationType, source.NameClaimType, source.RoleClaimType));
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = message },
        });
    }
}
