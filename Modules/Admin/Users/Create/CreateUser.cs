using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users.Create;

/// <summary>Creates a user through Auth. The role comes from <c>role_id</c> (a row of admin_roles) or by name.</summary>
internal sealed record AdminCreateUser(string Username, string FullName, string Password, string? RoleId, string? Role, string? DepartmentId, AdminActor Actor) : ICommand<UserInfo>
{
    public override string ToString() => $"AdminCreateUser {{ Username = {Username} }}";
}

internal sealed class AdminCreateUserValidator : AbstractValidator<AdminCreateUser>
{
    public AdminCreateUserValidator()
    {
        RuleFor(x => x.Username).NotEmpty().Matches(Validation.UsernamePattern)
            .WithMessage("Use 3–32 letters, digits, '_', '.' or '-'.");
        RuleFor(x => x.FullName).MaximumLength(80);
        RuleFor(x => x.Password).NotEmpty().Length(8, 128);
        RuleFor(x => x.Role!).MaximumLength(40).When(x => x.Role is not null);
    }
}

internal sealed class AdminCreateUserHandler(ISender sender, IPublisher publisher, AdminDbContext db) : ICommandHandler<AdminCreateUser, UserInfo>
{
    public async ValueTask<UserInfo> Handle(AdminCreateUser command, CancellationToken cancellationToken)
    {
        var role = await UserRules.ResolveRoleAsync(db, command.RoleId, command.Role, cancellationToken) ?? "member";
        await UserRules.EnsureDepartmentAsync(db, command.DepartmentId, cancellationToken);
        var fullName = string.IsNullOrWhiteSpace(command.FullName) ? command.Username : command.FullName.Trim();
        var user = await sender.Send(new CreateUser(command.Username, fullName, command.Password, role, command.DepartmentId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.create", $"user:{user.Id}", $"username={user.Username} role={user.Role}", cancellationToken);
        return user;
    }
}

internal static class CreateUserEndpoint
{
    internal sealed record CreateUserBody(string? Username, string? FullName, string? Password, string? RoleId, string? Role, string? DepartmentId);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/users", async Task<Created<UserInfo>> (CreateUserBody body, HttpContext http, ISender sender) =>
            {
                var user = await sender.Send(new AdminCreateUser(body.Username ?? "", body.FullName ?? "", body.Password ?? "",
                    UserRules.Blank(body.RoleId), UserRules.Blank(body.Role), UserRules.Blank(body.DepartmentId), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/users/{user.Id}", user);
            })
            .RequirePermission(AdminPermission.UsersWrite)
            .WithName("CreateUser")
            .WithSummary("Creates a user with a role (by role_id or name) and an optional department.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}
