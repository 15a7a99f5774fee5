using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts.Me;

/// <summary>The caller's own account and what its role lets it do, so the dashboard can hide the rest.</summary>
internal sealed record MeView(string Id, string Username, string Role, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastLoginAt, IReadOnlyList<string> Permissions);

internal static class GetOwnAccountEndpoint
{
    // Any admin, whatever its role, may see and look after its own account.
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/me", async Task<Ok<MeView>> (HttpContext http, ISender sender, AdminRolePermissions grants) =>
            {
                var me = await sender.Send(new GetAdmin.GetAdmin(http.User.UserId()), http.RequestAborted);
                var permissions = await grants.OfRoleAsync(me.Role, http.RequestAborted);
                return TypedResults.Ok(new MeView(me.Id, me.Username, me.Role, me.CreatedAt, me.UpdatedAt, me.LastLoginAt,
                    AdminPermission.All.Where(permissions.Contains).ToList()));
            })
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .WithName("GetOwnAdminAccount")
            .WithSummary("The caller's admin account and the permissions its role holds.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
