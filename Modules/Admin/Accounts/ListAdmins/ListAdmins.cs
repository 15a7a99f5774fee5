using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Accounts.ListAdmins;

internal sealed record ListAdmins : IQuery<IReadOnlyList<AdminView>>;

internal sealed record AdminList(IReadOnlyList<AdminView> Admins);

internal sealed class ListAdminsHandler(AdminDbContext db) : IQueryHandler<ListAdmins, IReadOnlyList<AdminView>>
{
    public async ValueTask<IReadOnlyList<AdminView>> Handle(ListAdmins query, CancellationToken cancellationToken)
    {
        var admins = await db.Admins.AsNoTracking().ToListAsync(cancellationToken);
        return admins.OrderBy(a => a.Username, StringComparer.OrdinalIgnoreCase).Select(AdminView.From).ToList();
    }
}

internal static class ListAdminsEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/admins", async Task<Ok<AdminList>> (ISender sender, CancellationToken ct) => TypedResults.Ok(new AdminList(await sender.Send(new ListAdmins(), ct))))
            .RequirePermission(AdminPermission.AdminsRead)
            .WithName("ListAdmins")
            .WithSummary("Lists the admin accounts.");
}
