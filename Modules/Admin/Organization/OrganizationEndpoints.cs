using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Organization;

internal static class OrganizationEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var roles = app.MapGroup("/admin/roles").RequireAuthorization(AuthPolicies.Admin);
        roles.MapGet("", async (ISender s) => TypedResults.Ok(new { roles = await s.Send(new ListRoles()), permissions = Permissions.All }));
        roles.MapPost("", async (JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            var role = await s.Send(new CreateRole(j.String("name") ?? "", j.String("description"), j.Strings("permissions"), AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/roles/{role.Id}", role);
        });
        roles.MapPut("/{id}", async (string id, JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            return TypedResults.Ok(await s.Send(new UpdateRole(id, j.String("name"), j.String("description"), j.Strings("permissions"), AdminActor.From(http.User))));
        });
        roles.MapDelete("/{id}", async (string id, HttpContext http, ISender s) =>
        {
            await s.Send(new DeleteRole(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });

        var departments = app.MapGroup("/admin/departments").RequireAuthorization(AuthPolicies.Admin);
        departments.MapGet("", async (ISender s) => TypedResults.Ok(new { departments = await s.Send(new ListDepartments()) }));
        departments.MapPost("", async (JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            var department = await s.Send(new CreateDepartment(j.String("name") ?? "", j.String("description"), AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/departments/{department.Id}", department);
        });
        departments.MapPut("/{id}", async (string id, JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            return TypedResults.Ok(await s.Send(new UpdateDepartment(id, j.String("name"), j.String("description"), AdminActor.From(http.User))));
        });
        departments.MapDelete("/{id}", async (string id, HttpContext http, ISender s) =>
        {
            await s.Send(new DeleteDepartment(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });

        var devices = app.MapGroup("/admin/devices").RequireAuthorization(AuthPolicies.Admin);
        devices.MapGet("", async (ISender s) => TypedResults.Ok(new { devices = await s.Send(new ListDevices()), kinds = DeviceKinds.All }));
        devices.MapPost("", async (JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            var device = await s.Send(new CreateDevice(j.String("name") ?? "", j.String("kind") ?? "other", j.String("identifier") ?? "",
                Blank(j.String("user_id")), j.String("notes"), AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/devices/{device.Id}", device);
        });
        devices.MapPut("/{id}", async (string id, JsonElement body, HttpContext http, ISender s) =>
        {
            var j = JsonBody.Of(body);
            return TypedResults.Ok(await s.Send(new UpdateDevice(id, j.String("name"), j.String("kind"), j.String("identifier"),
                j.Has("user_id"), Blank(j.String("user_id")), j.Bool("is_active"), j.String("notes"), AdminActor.From(http.User))));
        });
        devices.MapDelete("/{id}", async (string id, HttpContext http, ISender s) =>
        {
            await s.Send(new DeleteDevice(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
