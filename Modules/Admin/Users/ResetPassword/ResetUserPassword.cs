using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users.ResetPassword;

internal sealed record AdminResetUserPassword(string UserId, AdminActor Actor) : ICommand<string>;

internal sealed class AdminResetUserPasswordHandler(ISender sender, IPublisher publisher) : ICommandHandler<AdminResetUserPassword, string>
{
    public async ValueTask<string> Handle(AdminResetUserPassword command, CancellationToken cancellationToken)
    {
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw UserRules.NotFound(command.UserId);
        var password = await sender.Send(new ResetUserPassword(command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.reset_password", $"user:{user.Id}", $"username={user.Username}", cancellationToken);
        return password;
    }
}

internal static class ResetUserPasswordEndpoint
{
    internal sealed record ResetPasswordAnswer(string UserId, string TemporaryPassword);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/users/{id}/reset-password", async Task<Ok<ResetPasswordAnswer>> (string id, HttpContext http, ISender sender) =>
            {
                var password = await sender.Send(new AdminResetUserPassword(id, AdminActor.From(http.User)), http.RequestAborted);
                // A one-time secret: no cache may keep it.
                http.Response.Headers.CacheControl = "no-store";
                return TypedResults.Ok(new ResetPasswordAnswer(id, password));
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("ResetUserPassword")
            .WithSummary("Gives a user a fresh random temporary password, shown once; their sessions end.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
