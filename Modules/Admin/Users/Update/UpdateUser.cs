using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users.Update;

/// <param name="DepartmentGiven">True when the body named department_id, even as null (which clears it).</param>
internal sealed record AdminUpdateUser(string UserId, string? FullName, string? RoleId, string? Role, bool DepartmentGiven, string? DepartmentId, bool? IsActive, AdminActor Actor) : ICommand<UserInfo>;

internal sealed class AdminUpdateUserValidator : AbstractValidator<AdminUpdateUser>
{
    public AdminUpdateUserValidator()
    {
        RuleFor(x => x.FullName!).MaximumLength(80).When(x => x.FullName is not null);
        RuleFor(x => x.Role!).NotEmpty().MaximumLength(40).When(x => x.Role is not null);
    }
}

internal sealed class AdminUpdateUserHandler(ISender sender, IPublisher publisher, AdminDbContext db) : ICommandHandler<AdminUpdateUser, UserInfo>
{
    public async ValueTask<UserInfo> Handle(AdminUpdateUser command, CancellationToken cancellationToken)
    {
        var role = await UserRules.ResolveRoleAsync(db, command.RoleId, command.Role, cancellationToken);
        if (command.DepartmentGiven)
        {
            await UserRules.EnsureDepartmentAsync(db, command.DepartmentId, cancellationToken);
        }

        _ = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw UserRules.NotFound(command.UserId);
        var user = await sender.Send(new UpdateUser(
            command.UserId,
            command.FullName?.Trim(),
            role,
            command.DepartmentGiven ? command.DepartmentId : null,
            command.IsActive,
            command.Actor.Id,
            ClearDepartment: command.DepartmentGiven && command.DepartmentId is null), cancellationToken);

        var changes = new List<string>();
        if (command.FullName is not null) changes.Add("full_name");
        if (role is not null) changes.Add($"role={role}");
        if (command.DepartmentGiven) changes.Add($"department={command.DepartmentId ?? "none"}");
        if (command.IsActive is { } active) changes.Add(active ? "activated" : "deactivated");
        var action = command.IsActive == false ? "admin.user.deactivate" : "admin.user.update";
        await publisher.AdminAction(command.Actor, action, $"user:{user.Id}", string.Join(' ', changes), cancellationToken);
        return user;
    }
}

internal static class UpdateUserEndpoint
{
    /// <summary>The body of a partial user update, for the API description.</summary>
    internal sealed record UpdateUserBody(string? FullName, string? RoleId, string? Role, string? DepartmentId, bool? IsActive);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/admin/users/{id}", async Task<Ok<UserInfo>> (string id, JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                return TypedResults.Ok(await sender.Send(new AdminUpdateUser(
                    id,
                    json.String("full_name"),
                    UserRules.Blank(json.String("role_id")),
                    UserRules.Blank(json.String("role")),
                    json.Has("department_id"),
                    UserRules.Blank(json.String("department_id")),
                    json.Bool("is_active"),
                    AdminActor.From(http.User)), http.RequestAborted));
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("UpdateUser")
            .WithSummary("Changes a user (partial): full name, role, department (null clears it), active or not.")
            .Accepts<UpdateUserBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
