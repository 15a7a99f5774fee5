using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Roles.CreateRole;

internal sealed record CreateRole(string Name, string? Description, IReadOnlyList<string>? Permissions, AdminActor Actor) : ICommand<RoleView>;

internal sealed class CreateRoleValidator : AbstractValidator<CreateRole>
{
    public CreateRoleValidator()
    {
        RuleFor(x => x.Name).RoleName();
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
        RuleFor(x => x.Permissions!).KnownPermissions().When(x => x.Permissions is not null);
    }
}

internal sealed class CreateRoleHandler(AdminDbContext db, AdminRolePermissions grants, IPublisher publisher, TimeProvider clock) : ICommandHandler<CreateRole, RoleView>
{
    public async ValueTask<RoleView> Handle(CreateRole command, CancellationToken cancellationToken)
    {
        var permissions = (command.Permissions ?? []).Distinct().ToList();
        RoleRules.EnsureGrantable(await grants.OfRoleAsync(command.Actor.Role, cancellationToken), permissions.Where(AdminPermission.IsAdminPermission));
        if (await db.Roles.AnyAsync(r => r.Name == command.Name, cancellationToken))
        {
            throw AppException.Conflict(RoleRules.Conflict(command.Name));
        }

        var now = clock.GetUtcNow();
        var role = new UserRole
        {
            Id = Guid.NewGuid().ToString(),
            Name = command.Name,
            Description = command.Description?.Trim() ?? "",
            Permissions = JsonSerializer.Serialize(permissions),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Roles.Add(role);
        await db.CommitAsync(RoleRules.Conflict(command.Name), "The role was removed meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.role.create", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return RoleView.From(role);
    }
}

internal static class CreateRoleEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/roles", async Task<Created<RoleView>> (JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                var role = await sender.Send(new CreateRole(json.String("name") ?? "", json.String("description"), json.Strings("permissions"), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/roles/{role.Id}", role);
            })
            .RequirePermission(AdminPermission.RolesWrite)
            .WithName("CreateRole")
            .WithSummary("Creates a role. Admin permissions in it can only be granted by an admin who holds them.")
            .Accepts<RoleBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}

/// <summary>The body of a role create or (partial) update, for the API description.</summary>
internal sealed record RoleBody(string? Name, string? Description, IReadOnlyList<string>? Permissions);
