using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Permissions;

/// <summary>Endpoint metadata: the permission an endpoint needs. Read by the 403 answer and by tests.</summary>
internal sealed record RequiredPermission(string Permission);

internal sealed record PermissionRequirement(string Permission) : IAuthorizationRequirement;

/// <summary>
/// What a role may do, read when asked: a built-in role from code, any other from its row in the
/// roles table, so an edit of a role applies on the next request (on every node).
/// </summary>
internal sealed class AdminRolePermissions(AdminDbContext db)
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    public async Task<IReadOnlySet<string>> OfRoleAsync(string role, CancellationToken cancellationToken)
    {
        if (AdminRoles.GrantsOf(role) is { } builtIn)
        {
            return builtIn;
        }

        var stored = await db.Roles.AsNoTracking().Where(r => r.Name == role).Select(r => r.Permissions).FirstOrDefaultAsync(cancellationToken);
        return stored is null ? None : AdminOnly(stored);
    }

    /// <summary>The admin permissions among a role's stored list (the rest are user permissions).</summary>
    public static IReadOnlySet<string> AdminOnly(string storedPermissions) =>
        (JsonSerializer.Deserialize<List<string>>(storedPermissions) ?? []).Where(AdminPermission.IsAdminPermission).ToHashSet(StringComparer.Ordinal);
}

internal sealed class PermissionAuthorizationHandler(AdminRolePermissions roles) : AuthorizationHandler<PermissionRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        if (!context.User.IsAdminToken())
        {
            return;
        }

        var cancellationToken = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        if ((await roles.OfRoleAsync(context.User.Role(), cancellationToken)).Contains(requirement.Permission))
        {
            context.Succeed(requirement);
        }
    }
}

internal static class AdminPolicies
{
    /// <summary>Any admin token, whatever its role: enough to see one's own account, not to act.</summary>
    public static readonly AuthorizationPolicy AnyAdminAccount =
        new AuthorizationPolicyBuilder(AuthSchemes.Admin).RequireAuthenticatedUser().Build();

    private static readonly ConcurrentDictionary<string, AuthorizationPolicy> ByPermission = new(StringComparer.Ordinal);

    /// <summary>An admin token whose role holds <paramref name="permission"/>.</summary>
    public static AuthorizationPolicy Requires(string permission) =>
        ByPermission.GetOrAdd(permission, p => new AuthorizationPolicyBuilder(AuthSchemes.Admin)
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(p))
            .Build());
}

internal static class PermissionEndpointExtensions
{
    /// <summary>The one place an endpoint states what it needs: an admin token whose role holds <paramref name="permission"/>.</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder
    {
        if (!AdminPermission.IsAdminPermission(permission))
        {
            throw new ArgumentException($"'{permission}' is not an admin permission.", nameof(permission));
        }

        return builder
            .RequireAuthorization(AdminPolicies.Requires(permission))
            .WithMetadata(new RequiredPermission(permission))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
    }

    public static IServiceCollection AddAdminPermissions(this IServiceCollection services)
    {
        services.AddScoped<AdminRolePermissions>();
        services.AddScoped<IAuthorizationHandler, PermissionAuthorizationHandler>();
        // Decorates the framework's answer so a 403 on an Admin endpoint names the missing permission.
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, PermissionDeniedAnswer>();
        return services;
    }
}

/// <summary>
/// A 403 on an endpoint that needs a permission says which one, in the contract's problem+json format;
/// every other authorization answer is the framework's (the Host's 401 and 403).
/// </summary>
internal sealed class PermissionDeniedAnswer : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.GetEndpoint()?.Metadata.GetMetadata<RequiredPermission>() is { } required && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status403Forbidden,
                    Detail = $"Your role ({context.User.Role()}) does not have the permission '{required.Permission}'.",
                    Extensions = { ["permission"] = required.Permission },
                },
            });
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
