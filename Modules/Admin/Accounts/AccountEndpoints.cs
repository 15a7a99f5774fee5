using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>The caller's own account and what its role lets it do, so the dashboard can hide the rest.</summary>
internal sealed record MeView(string Id, string Username, string Role, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastLoginAt, IReadOnlyList<string> Permissions);

internal static class AccountEndpoints
{
    internal sealed record LoginBody(string? Username, string? Password);
    internal sealed record AdminBody(string? Username, string? Password, string? Role);
    internal sealed record AdminUpdateBody(string? Password, string? Role);
    internal sealed record PasswordBody(string? CurrentPassword, string? NewPassword);
    internal sealed record AdminList(IReadOnlyList<AdminView> Admins);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/login", async Task<Ok<AdminLoginResult>> (LoginBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new AdminLogin(body.Username ?? "", body.Password ?? "", http.Connection.RemoteIpAddress?.ToString()), http.RequestAborted)))
            .AllowAnonymous()
            .RequireRateLimiting("login")
            .WithName("AdminLogin")
            .WithSummary("Logs an admin in: an admin token, the account and when the token expires.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        // Any admin, whatever its role, may see and look after its own account.
        app.MapGet("/admin/me", async Task<Ok<MeView>> (HttpContext http, ISender sender, AdminRolePermissions grants) =>
            {
                var me = await sender.Send(new GetAdmin(http.User.UserId()), http.RequestAborted);
                var permissions = await grants.OfRoleAsync(me.Role, http.RequestAborted);
                return TypedResults.Ok(new MeView(me.Id, me.Username, me.Role, me.CreatedAt, me.UpdatedAt, me.LastLoginAt,
                    AdminPermission.All.Where(permissions.Contains).ToList()));
            })
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .WithName("GetOwnAdminAccount")
            .WithSummary("The caller's admin account and the permissions its role holds.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapPost("/admin/logout", async Task<NoContent> (HttpContext http, ISender sender) =>
            {
                await sender.Send(new RevokeAdminSessions(http.User.UserId(), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .WithName("AdminLogout")
            .WithSummary("Ends every session of the calling admin.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapPost("/admin/me/password", async Task<Ok<AdminLoginResult>> (PasswordBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new ChangeOwnAdminPassword(http.User.UserId(), body.CurrentPassword ?? "", body.NewPassword ?? ""), http.RequestAborted)))
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .RequireRateLimiting("login")
            .WithName("ChangeOwnAdminPassword")
            .WithSummary("Changes the caller's password; other sessions end and a fresh login answer comes back.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        app.MapGet("/admin/admins", async Task<Ok<AdminList>> (ISender sender, CancellationToken ct) => TypedResults.Ok(new AdminList(await sender.Send(new ListAdmins(), ct))))
            .RequirePermission(AdminPermission.AdminsRead)
            .WithName("ListAdmins")
            .WithSummary("Lists the admin accounts.");

        app.MapGet("/admin/admins/{id}", async Task<Ok<AdminView>> (string id, ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetAdmin(id), ct)))
            .RequirePermission(AdminPermission.AdminsRead)
            .WithName("GetAdmin")
            .WithSummary("One admin account.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/admin/admins", async Task<Created<AdminView>> (AdminBody body, HttpContext http, ISender sender) =>
            {
                var created = await sender.Send(new CreateAdmin(body.Username ?? "", body.Password ?? "", body.Role ?? AdminRoles.Admin, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/admins/{created.Id}", created);
            })
            .RequirePermission(AdminPermission.AdminsWrite)
            .WithName("CreateAdmin")
            .WithSummary("Creates an admin account with a built-in or custom role the caller may grant.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapPut("/admin/admins/{id}", async Task<Ok<AdminView>> (string id, AdminUpdateBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new UpdateAdmin(id, body.Role, body.Password, AdminActor.From(http.User)), http.RequestAborted)))
            .RequirePermission(AdminPermission.AdminsWrite)
            .WithName("UpdateAdmin")
            .WithSummary("Changes an admin's role or password; its sessions end. 409 for the last super_admin.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapDelete("/admin/admins/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new DeleteAdmin(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.AdminsWrite)
            .WithName("DeleteAdmin")
            .WithSummary("Deletes an admin account; 409 for the last super_admin.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }
}
