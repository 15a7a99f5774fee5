using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users.Delete;

internal sealed record AdminDeleteUser(string UserId, AdminActor Actor) : ICommand;

internal sealed class AdminDeleteUserHandler(ISender sender, IPublisher publisher) : ICommandHandler<AdminDeleteUser>
{
    public async ValueTask<Unit> Handle(AdminDeleteUser command, CancellationToken cancellationToken)
    {
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw UserRules.NotFound(command.UserId);
        await sender.Send(new DeleteUser(command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.delete", $"user:{user.Id}", $"username={user.Username}", cancellationToken);
        return Unit.Value;
    }
}

internal static class DeleteUserEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/users/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new AdminDeleteUser(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("DeleteUser")
            .WithSummary("Deletes a user; their tokens stop working.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
