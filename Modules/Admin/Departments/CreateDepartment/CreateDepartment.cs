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

namespace ZiyadMessenger.Modules.Admin.Departments.CreateDepartment;

internal sealed record CreateDepartment(string Name, string? Description, AdminActor Actor) : ICommand<DepartmentView>;

internal sealed class CreateDepartmentValidator : AbstractValidator<CreateDepartment>
{
    public CreateDepartmentValidator()
    {
        RuleFor(x => x.Name).DepartmentName();
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
    }
}

internal sealed class CreateDepartmentHandler(AdminDbContext db, IPublisher publisher, TimeProvider clock) : ICommandHandler<CreateDepartment, DepartmentView>
{
    public async ValueTask<DepartmentView> Handle(CreateDepartment command, CancellationToken cancellationToken)
    {
        var name = command.Name.Trim();
        if (await db.Departments.AnyAsync(d => d.Name == name, cancellationToken))
        {
            throw AppException.Conflict(DepartmentRules.Conflict(name));
        }

        var now = clock.GetUtcNow();
        var department = new Department { Id = Guid.NewGuid().ToString(), Name = name, Description = command.Description?.Trim() ?? "", CreatedAt = now, UpdatedAt = now };
        db.Departments.Add(department);
        await db.CommitAsync(DepartmentRules.Conflict(name), "The department was removed meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.create", $"department:{department.Id}", $"name={name}", cancellationToken);
        return DepartmentView.From(department);
    }
}

internal static class CreateDepartmentEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/departments", async Task<Created<DepartmentView>> (JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                var department = await sender.Send(new CreateDepartment(json.String("name") ?? "", json.String("description"), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/departments/{department.Id}", department);
            })
            .RequirePermission(AdminPermission.DepartmentsWrite)
            .WithName("CreateDepartment")
            .WithSummary("Creates a department; names are unique case-insensitively.")
            .Accepts<DepartmentBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}
