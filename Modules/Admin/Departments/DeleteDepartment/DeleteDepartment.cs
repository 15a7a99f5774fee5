using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Departments.DeleteDepartment;

internal sealed record DeleteDepartment(string DepartmentId, AdminActor Actor) : ICommand;

internal sealed class DeleteDepartmentHandler(AdminDbContext db, ISender sender, IPublisher publisher) : ICommandHandler<DeleteDepartment>
{
    public async ValueTask<Unit> Handle(DeleteDepartment command, CancellationToken cancellationToken)
    {
        var department = await db.Departments.FirstOrDefaultAsync(d => d.Id == command.DepartmentId, cancellationToken)
            ?? throw DepartmentRules.NotFound(command.DepartmentId);
        // Users in it are moved to "no department" rather than left pointing at a missing row.
        foreach (var user in await AuthUsers.WhereAsync(sender, u => u.DepartmentId == department.Id, cancellationToken))
        {
            await sender.Send(new UpdateUser(user.Id, null, null, null, null, command.Actor.Id, ClearDepartment: true), cancellationToken);
        }

        db.Departments.Remove(department);
        await db.CommitAsync(DepartmentRules.Conflict(department.Name), "The department was deleted meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.delete", $"department:{department.Id}", $"name={department.Name}", cancellationToken);
        return Unit.Value;
    }
}

internal static class DeleteDepartmentEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/departments/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new DeleteDepartment(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.DepartmentsWrite)
            .WithName("DeleteDepartment")
            .WithSummary("Deletes a department; its users are left with no department.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
