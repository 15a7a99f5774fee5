using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Departments.ListDepartments;

internal sealed record ListDepartments : IQuery<IReadOnlyList<DepartmentView>>;

internal sealed record DepartmentList(IReadOnlyList<DepartmentView> Departments);

internal sealed class ListDepartmentsHandler(AdminDbContext db) : IQueryHandler<ListDepartments, IReadOnlyList<DepartmentView>>
{
    public async ValueTask<IReadOnlyList<DepartmentView>> Handle(ListDepartments query, CancellationToken cancellationToken) =>
        (await db.Departments.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(DepartmentView.From).ToList();
}

internal static class ListDepartmentsEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/departments", async Task<Ok<DepartmentList>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(new DepartmentList(await sender.Send(new ListDepartments(), ct))))
            .RequirePermission(AdminPermission.DepartmentsRead)
            .WithName("ListDepartments")
            .WithSummary("Lists the departments.");
}
