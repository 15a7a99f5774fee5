using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Users;

internal static class UserEndpoints
{
    internal sealed record CreateUserBody(string? Username, string? FullName, string? Password, string? RoleId, string? Role, string? DepartmentId);

    public static void Map(IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/admin/users").RequireAuthorization(AuthPolicies.Admin);

        users.MapGet("", async (string? search, int? offset, int? limit, ISender sender) =>
            TypedResults.Ok(await sender.Send(new AdminListUsers(search, offset ?? 0, limit ?? 50))));

        users.MapPost("", async (CreateUserBody body, HttpContext http, ISender sender) =>
        {
            var user = await sender.Send(new AdminCreateUser(body.Username ?? "", body.FullName ?? "", body.Password ?? "",
                Empty(body.RoleId), Empty(body.Role), Empty(body.DepartmentId), AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/users/{user.Id}", user);
        });

        users.MapPut("/{id}", async (string id, JsonElement body, HttpContext http, ISender sender) =>
        {
            var json = JsonBody.Of(body);
            return TypedResults.Ok(await sender.Send(new AdminUpdateUser(
                id,
                json.String("full_name"),
                Empty(json.String("role_id")),
                Empty(json.String("role")),
                json.Has("department_id"),
                Empty(json.String("department_id")),
                json.Bool("is_active"),
                AdminActor.From(http.User))));
        });

        users.MapDelete("/{id}", async (string id, HttpContext http, ISender sender) =>
        {
            await sender.Send(new AdminDeleteUser(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });

        users.MapPost("/{id}/reset-password", async (string id, HttpContext http, ISender sender) =>
        {
            var password = await sender.Send(new AdminResetUserPassword(id, AdminActor.From(http.User)));
            // A one-time secret: no cache may keep it.
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(new { user_id = id, temporary_password = password });
        });
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
