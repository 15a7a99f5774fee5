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

namespace ZiyadMessenger.Modules.Admin.Departments.UpdateDepartment;

/// <summary>Partial: a null member is left as it is.</summary>
internal sealed record UpdateDepartment(string DepartmentId, string? Name, string? Description, AdminActor Actor) : ICommand<DepartmentView>;

internal sealed class UpdateDepartmentValidator : AbstractValidator<UpdateDepartment>
{
    public UpdateDepartmentValidator()
    {
        RuleFor(x => x.Name!).DepartmentName().When(x => x.Name is not null);
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
    }
}

internal sealed class UpdateDepartmentHandler(AdminDbContext db, IPublisher publisher, TimeProvider clock) : ICommandHandler<UpdateDepartment, DepartmentView>
{
    public async ValueTask<DepartmentView> Handle(UpdateDepartment command, CancellationToken cancellationToken)
    {
        var department = await db.Departments.FirstOrDefaultAsync(d => d.Id == command.DepartmentId, cancellationToken)
            ?? throw DepartmentRules.NotFound(command.DepartmentId);
        if (command.Name is not null)
        {
            var name = command.Name.Trim();
            if (await db.Departments.AnyAsync(d => d.Name == name && d.Id != department.Id, cancellationToken))
            {
                throw AppException.Conflict(DepartmentRules.Conflict(name));
            }

            department.Name = name;
        }

        if (command.Description is not null)
        {
            department.Description = command.Description.Trim();
        }

        department.UpdatedAt = clock.GetUtcNow();
        await db.CommitAsync(DepartmentRules.Conflict(department.Name), "The department was deleted meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.update", $"department:{department.Id}", $"name={department.Name}", cancellationToken);
        return DepartmentView.From(department);
    }
}

internal static class UpdateDepartmentEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/admin/departments/{id}", async Task<Ok<DepartmentView>> (string id, JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                return TypedResults.Ok(await sender.Send(new UpdateDepartment(id, json.String("name"), json.String("description"), AdminActor.From(http.User)), http.RequestAborted));
            })
            .RequirePermission(AdminPermission.DepartmentsWrite)
            .WithName("UpdateDepartment")
            .WithSummary("Renames or redescribes a department (partial).")
            .Accepts<DepartmentBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
