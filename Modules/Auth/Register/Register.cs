using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Auth.Users;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Auth.Register;

internal sealed record RegisterRequest(string? Username, string? FullName, string? Password, string? Role);

internal sealed record RegisterResponse(string Id);

/// <summary>Self-service sign-up. A missing role means <c>member</c>, the role the reference client sends.</summary>
internal sealed record RegisterUser(string Username, string FullName, string Password, string Role, string? ClientIp) : ICommand<string>;

internal sealed class RegisterUserValidator : AbstractValidator<RegisterUser>
{
    public RegisterUserValidator()
    {
        RuleFor(c => c.Username).ValidUsername();
        RuleFor(c => c.FullName).ValidFullName();
        RuleFor(c => c.Password).ValidPassword();
        RuleFor(c => c.Role).ValidRole();
    }
}

internal sealed class RegisterUserHandler(AuthOptions options, UserStore users, IPublisher publisher) : ICommandHandler<RegisterUser, string>
{
    public async ValueTask<string> Handle(RegisterUser command, CancellationToken cancellationToken)
    {
        if (!options.RegistrationEnabled)
        {
            throw AppException.Forbidden("Registration is switched off on this server: ask an administrator for an account.");
        }

        if (UserRules.PrivilegedRoles.Contains(command.Role.Trim()))
        {
            throw AppException.Forbidden($"The role '{command.Role.Trim()}' cannot be chosen at registration.");
        }

        var user = await users.CreateAsync(command.Username, command.FullName, command.Password, command.Role, null, cancellationToken);
        await publisher.Publish(new UserRegistered(user.Id, user.Username, user.Role, command.ClientIp), CancellationToken.None);
        return user.Id;
    }
}

internal static class RegisterEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/register", async Task<Created<RegisterResponse>> (RegisterRequest body, ISender sender, HttpContext http, CancellationToken ct) =>
            {
                var id = await sender.Send(new RegisterUser(
                    body.Username ?? "",
                    body.FullName ?? "",
                    body.Password ?? "",
                    string.IsNullOrEmpty(body.Role) ? UserRules.DefaultRole : body.Role,
                    http.Connection.RemoteIpAddress?.ToString()), ct);
                return TypedResults.Created((string?)null, new RegisterResponse(id));
            })
            .WithName("Register")
            .WithSummary("Create a user account")
            .WithDescription("username `^[a-zA-Z0-9_.-]{3,32}$` (unique, ignoring case), password 8–128 characters, full_name up to 80, " +
                "role up to 40 (default `member`; `admin` and `super_admin` are refused with 403). 403 too when registration is switched off.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireRateLimiting(AuthModule.LoginRateLimitPolicy)
            .WithMetadata(new BodySizeLimitMetadata(AuthModule.MaxBodyBytes));
}
