using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Accounts;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Admin.Roles.CreateRole;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Roles.UpdateRole;

/// <summary>Partial: a null member is left as it is.</summary>
internal sealed record UpdateRole(string RoleId, string? Name, string? Description, IReadOnlyList<string>? Permissions, AdminActor Actor) : ICommand<RoleView>;

internal sealed class UpdateRoleValidator : AbstractValidator<UpdateRole>
{
    public UpdateRoleValidator()
    {
        RuleFor(x => x.Name!).RoleName().When(x => x.Name is not null);
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
        RuleFor(x => x.Permissions!).KnownPermissions().When(x => x.Permissions is not null);
    }
}

internal sealed class UpdateRoleHandler(
    AdminDbContext db, AdminRolePermissions grants, RoleHolders holders, AdminTokenRegistry tokens, ISender sender, IPublisher publisher, TimeProvider clock)
    : ICommandHandler<UpdateRole, RoleView>
{
    public async ValueTask<RoleView> Handle(UpdateRole command, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == command.RoleId, cancellationToken) ?? throw RoleRules.NotFound(command.RoleId);
        var oldName = role.Name;
        if (command.Name is not null && !string.Equals(command.Name, role.Name, StringComparison.Ordinal))
        {
            if (await db.Roles.AnyAsync(r => r.Name == command.Name && r.Id != role.Id, cancellationToken))
            {
                throw AppException.Conflict(RoleRules.Conflict(command.Name));
            }

            role.Name = command.Name;
        }

        if (command.Permissions is not null)
        {
            var before = RoleView.From(role).Permissions.Where(AdminPermission.IsAdminPermission).ToHashSet();
            var after = command.Permissions.Where(AdminPermission.IsAdminPermission).ToHashSet();
            before.SymmetricExceptWith(after);
            RoleRules.EnsureGrantable(await grants.OfRoleAsync(command.Actor.Role, cancellationToken), before);
            role.Permissions = JsonSerializer.Serialize(command.Permissions.Distinct());
        }

        if (command.Description is not null)
        {
            role.Description = command.Description.Trim();
        }

        role.UpdatedAt = clock.GetUtcNow();
        var renamed = !string.Equals(oldName, role.Name, StringComparison.Ordinal);
        var admins = renamed ? await holders.AdminsAsync(oldName, cancellationToken) : [];
        foreach (var admin in admins)
        {
            // An admin's token names its role: the old name would grant nothing, so its sessions end.
            admin.Role = role.Name;
            admin.TokenVersion++;
        }

        await db.CommitAsync(RoleRules.Conflict(role.Name), $"The role '{oldName}' was deleted meanwhile.", cancellationToken);
        foreach (var admin in admins)
        {
            tokens.Set(admin.Id, admin.TokenVersion);
        }

        if (renamed)
        {
            // Users hold their role by name (it is in their tokens): carry a rename over to them.
            foreach (var user in await holders.UsersAsync(oldName, cancellationToken))
            {
                await sender.Send(new UpdateUser(user.Id, null, role.Name, null, null, command.Actor.Id), cancellationToken);
            }
        }

        await publisher.AdminAction(command.Actor, "admin.role.update", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return RoleView.From(role);
    }
}

internal static class UpdateRoleEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/admin/roles/{id}", async Task<Ok<RoleView>> (string id, JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                return TypedResults.Ok(await sender.Send(new UpdateRole(id, json.String("name"), json.String("description"), json.Strings("permissions"), AdminActor.From(http.User)), http.RequestAborted));
            })
            .RequirePermission(AdminPermission.RolesWrite)
            .WithName("UpdateRole")
            .WithSummary("Changes a role (partial). A rename is carried over to every user and admin holding it.")
            .Accepts<RoleBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
