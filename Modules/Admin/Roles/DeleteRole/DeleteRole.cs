using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Roles.DeleteRole;

internal sealed record DeleteRole(string RoleId, AdminActor Actor) : ICommand;

internal sealed class DeleteRoleHandler(AdminDbContext db, RoleHolders holders, IPublisher publisher) : ICommandHandler<DeleteRole>
{
    public async ValueTask<Unit> Handle(DeleteRole command, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == command.RoleId, cancellationToken) ?? throw RoleRules.NotFound(command.RoleId);
        await holders.EnsureNotHeldAsync(role, cancellationToken);
        db.Roles.Remove(role);
        await db.CommitAsync(RoleRules.Conflict(role.Name), $"The role '{role.Name}' was deleted meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.role.delete", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return Unit.Value;
    }
}

internal static class DeleteRoleEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/roles/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new DeleteRole(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.RolesWrite)
            .WithName("DeleteRole")
            .WithSummary("Deletes a role nobody holds (409 while a user or admin still holds it).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
