using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

internal static class AccountEndpoints
{
    internal sealed record LoginBody(string? Username, string? Password);
    internal sealed record AdminBody(string? Username, string? Password, string? Role);
    internal sealed record AdminUpdateBody(string? Password, string? Role);
    internal sealed record PasswordBody(string? CurrentPassword, string? NewPassword);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/admin/login", async (LoginBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new AdminLogin(body.Username ?? "", body.Password ?? "", http.Connection.RemoteIpAddress?.ToString()))))
            .AllowAnonymous()
            .RequireRateLimiting("login");

        var own = app.MapGroup("/admin").RequireAuthorization(AdminPolicies.AnyAdminAccount);
        own.MapGet("/me", async (HttpContext http, ISender sender) =>
            TypedResults.Ok(await sender.Send(new GetAdmin(http.User.UserId()))));
        own.MapPost("/logout", async (HttpContext http, ISender sender) =>
        {
            await sender.Send(new RevokeAdminSessions(http.User.UserId(), AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });
        own.MapPost("/me/password", async (PasswordBody body, HttpContext http, ISender sender) =>
            TypedResults.Ok(await sender.Send(new ChangeOwnAdminPassword(http.User.UserId(), body.CurrentPassword ?? "", body.NewPassword ?? ""))))
            .RequireRateLimiting("login");

        var admins = app.MapGroup("/admin/admins").RequireAuthorization(AuthPolicies.SuperAdmin);
        admins.MapGet("", async (ISender sender) => TypedResults.Ok(new { admins = await sender.Send(new ListAdmins()) }));
        admins.MapGet("/{id}", async (string id, ISender sender) => TypedResults.Ok(await sender.Send(new GetAdmin(id))));
        admins.MapPost("", async (AdminBody body, HttpContext http, ISender sender) =>
        {
            var created = await sender.Send(new CreateAdmin(body.Username ?? "", body.Password ?? "", body.Role ?? AdminRoles.Admin, AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/admins/{created.Id}", created);
        });
        admins.MapPut("/{id}", async (string id, AdminUpdateBody body, HttpContext http, ISender sender) =>
            TypedResults.Ok(await sender.Send(new UpdateAdmin(id, body.Role, body.Password, AdminActor.From(http.User)))));
        admins.MapDelete("/{id}", async (string id, HttpContext http, ISender sender) =>
        {
            await sender.Send(new DeleteAdmin(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });
    }
}
