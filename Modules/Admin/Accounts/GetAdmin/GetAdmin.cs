using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Accounts.GetAdmin;

internal sealed record GetAdmin(string AdminId) : IQuery<AdminView>;

internal sealed class GetAdminHandler(AdminAccountRules rules) : IQueryHandler<GetAdmin, AdminView>
{
    public async ValueTask<AdminView> Handle(GetAdmin query, CancellationToken cancellationToken) =>
        AdminView.From(await rules.FindAsync(query.AdminId, cancellationToken));
}

internal static class GetAdminEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/admins/{id}", async Task<Ok<AdminView>> (string id, ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new GetAdmin(id), ct)))
            .RequirePermission(AdminPermission.AdminsRead)
            .WithName("GetAdmin")
            .WithSummary("One admin account.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
