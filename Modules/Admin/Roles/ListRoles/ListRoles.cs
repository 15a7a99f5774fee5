using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Roles.ListRoles;

internal sealed record ListRoles : IQuery<IReadOnlyList<RoleView>>;

/// <summary>The roles, and every permission a role may list (user ones, then admin ones).</summary>
internal sealed record RoleList(IReadOnlyList<RoleView> Roles, IReadOnlyList<string> Permissions, IReadOnlyList<string> AdminPermissions);

internal sealed class ListRolesHandler(AdminDbContext db) : IQueryHandler<ListRoles, IReadOnlyList<RoleView>>
{
    public async ValueTask<IReadOnlyList<RoleView>> Handle(ListRoles query, CancellationToken cancellationToken) =>
        (await db.Roles.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(RoleView.From).ToList();
}

internal static class ListRolesEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/roles", async Task<Ok<RoleList>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(new RoleList(await sender.Send(new ListRoles(), ct), UserPermissions.Known, AdminPermission.All)))
            .RequirePermission(AdminPermission.RolesRead)
            .WithName("ListRoles")
            .WithSummary("Lists the roles with their permissions, and every permission a role may hold.");
}
