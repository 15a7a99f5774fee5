using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Accounts.DeleteAdmin;

internal sealed record DeleteAdmin(string AdminId, AdminActor Actor) : ICommand;

internal sealed class DeleteAdminHandler(AdminDbContext db, AdminAccountRules rules, AdminTokenRegistry registry, IPublisher publisher)
    : ICommandHandler<DeleteAdmin>
{
    public async ValueTask<Unit> Handle(DeleteAdmin command, CancellationToken cancellationToken)
    {
        await AdminAccountRules.SuperAdminGate.WaitAsync(cancellationToken);
        try
        {
            var admin = await rules.FindAsync(command.AdminId, cancellationToken);
            await rules.EnsureRoleGrantableAsync(command.Actor, admin.Role, cancellationToken, mustExist: false);
            if (await rules.IsLastSuperAdminAsync(admin, cancellationToken))
            {
                throw AppException.Conflict("The last super_admin cannot be deleted.");
            }

            db.Admins.Remove(admin);
            await db.SaveChangesAsync(cancellationToken);
            registry.Remove(admin.Id);
            await publisher.AdminAction(command.Actor, "admin.admin.delete", $"admin:{admin.Id}", $"username={admin.Username}", cancellationToken);
            return Unit.Value;
        }
        finally
        {
            AdminAccountRules.SuperAdminGate.Release();
        }
    }
}

internal static class DeleteAdminEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
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
