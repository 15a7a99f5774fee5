using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users;

internal static class UserEndpoints
{
    internal sealed record CreateUserBody(string? Username, string? FullName, string? Password, string? RoleId, string? Role, string? DepartmentId);

    /// <summary>The body of a partial user update, for the API description.</summary>
    internal sealed record UpdateUserBody(string? FullName, string? RoleId, string? Role, string? DepartmentId, bool? IsActive);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/users", async Task<Ok<UserListView>> (string? search, int? offset, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new AdminListUsers(search, offset ?? 0, limit ?? 50), ct)))
            .RequirePermission(AdminPermission.UsersRead)
            .WithName("ListUsers")
            .WithSummary("Lists users, searched by name and paged (limit 1–500).")
            .ProducesValidationProblem();

        app.MapPost("/admin/users", async Task<Created<UserInfo>> (CreateUserBody body, HttpContext http, ISender sender) =>
            {
                var user = await sender.Send(new AdminCreateUser(body.Username ?? "", body.FullName ?? "", body.Password ?? "",
                    Empty(body.RoleId), Empty(body.Role), Empty(body.DepartmentId), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/users/{user.Id}", user);
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("CreateUser")
            .WithSummary("Creates a user with a role (by role_id or name) and an optional department.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapPut("/admin/users/{id}", async Task<Ok<UserInfo>> (string id, JsonElement body, HttpContext http, ISender sender) =>
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
                    AdminActor.From(http.User)), http.RequestAborted));
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("UpdateUser")
            .WithSummary("Changes a user (partial): full name, role, department (null clears it), active or not.")
            .Accepts<UpdateUserBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapDelete("/admin/users/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new AdminDeleteUser(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("DeleteUser")
            .WithSummary("Deletes a user; their tokens stop working.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/admin/users/{id}/reset-password", async Task<Ok<ResetPasswordAnswer>> (string id, HttpContext http, ISender sender) =>
            {
                var password = await sender.Send(new AdminResetUserPassword(id, AdminActor.From(http.User)), http.RequestAborted);
                // A one-time secret: no cache may keep it.
                http.Response.Headers.CacheControl = "no-store";
                return TypedResults.Ok(new ResetPasswordAnswer(id, password));
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("ResetUserPassword")
            .WithSummary("Gives a user a fresh random temporary password, shown once; their sessions end.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal sealed record ResetPasswordAnswer(string UserId, string TemporaryPassword);

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
