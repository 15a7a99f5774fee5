using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts.Logout;

/// <summary>Ends every session of the admin (logout everywhere).</summary>
internal sealed record RevokeAdminSessions(string AdminId, AdminActor Actor) : ICommand;

internal sealed class RevokeAdminSessionsHandler(AdminDbContext db, AdminAccountRules rules, AdminTokenRegistry registry, IPublisher publisher)
    : ICommandHandler<RevokeAdminSessions>
{
    public async ValueTask<Unit> Handle(RevokeAdminSessions command, CancellationToken cancellationToken)
    {
        var admin = await rules.FindAsync(command.AdminId, cancellationToken);
        admin.TokenVersion++;
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);
        await publisher.AdminAction(command.Actor, "admin.logout", $"admin:{admin.Id}", "", cancellationToken);
        return Unit.Value;
    }
}

internal static class AdminLogoutEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/logout", async Task<NoContent> (HttpContext http, ISender sender) =>
            {
                await sender.Send(new RevokeAdminSessions(http.User.UserId(), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .WithName("AdminLogout")
            .WithSummary("Ends every session of the calling admin.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
