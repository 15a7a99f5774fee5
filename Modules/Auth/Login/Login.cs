using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Auth.Sessions;
using ZiyadMessenger.Modules.Auth.Users;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Login;

internal sealed record LoginRequest(string? Username, string? Password);

internal sealed record LoginResponse(string Token, string UserId, string Username, string Role, DateTimeOffset ExpiresAt);

internal sealed record LogIn(string Username, string Password, string? ClientIp) : ICommand<LoginResponse>;

internal sealed class LogInValidator : AbstractValidator<LogIn>
{
    public LogInValidator()
    {
        RuleFor(c => c.Username).NotEmpty().WithMessage("username is required.")
            .MaximumLength(64).WithMessage("username is too long.");
        RuleFor(c => c.Password).NotEmpty().WithMessage("password is required.")
            .MaximumLength(UserRules.PasswordMax).WithMessage($"password is longer than {UserRules.PasswordMax} characters.");
    }
}

internal sealed class LogInHandler(
    AuthDbContext db,
    IPasswordHasher hasher,
    ITokenIssuer issuer,
    [FromKeyedServices(ModuleNames.Auth)] LoginLockout throttle,
    AuthOptions options,
    IPublisher publisher,
    TimeProvider clock) : ICommandHandler<LogIn, LoginResponse>
{
    public const string WrongCredentials = "Wrong username or password.";

    public async ValueTask<LoginResponse> Handle(LogIn command, CancellationToken cancellationToken)
    {
        var key = UserRules.KeyOf(command.Username);
        if (throttle.RetryAfterSeconds(key) is { } wait)
        {
            await publisher.Publish(new LoginFailed(command.Username, "locked_out", command.ClientIp), CancellationToken.None);
            throw AppException.TooManyRequests($"Too many failed logins for this account: try again in {wait} seconds.", wait);
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.UsernameKey == key, cancellationToken);
        // An unknown user costs one hash check too: the answer's timing must not tell whether the name exists.
        var check = await hasher.VerifyAsync(command.Password, user?.PasswordHash, cancellationToken);
        if (user is null || check == PasswordCheck.Failed)
        {
            throttle.RecordFailure(key);
            await publisher.Publish(new LoginFailed(command.Username, user is null ? "unknown_user" : "wrong_password", command.ClientIp), CancellationToken.None);
            throw AppException.Unauthorized(WrongCredentials);
        }

        throttle.RecordSuccess(key);
        if (!user.IsActive)
        {
            await publisher.Publish(new LoginFailed(user.Username, "inactive", command.ClientIp), CancellationToken.None);
            throw AppException.Forbidden("This account is deactivated: ask an administrator.");
        }

        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            user.PasswordHash = await hasher.HashAsync(command.Password, cancellationToken);
        }

        user.LastLoginAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);

        var token = issuer.Issue(new TokenRequest(TokenAudience.User, user.Id, user.Username, user.Role, user.TokenVersion, options.TokenLifetime));
        await publisher.Publish(new LoginSucceeded(user.Id, user.Username, command.ClientIp), CancellationToken.None);
        return new LoginResponse(token.Token, user.Id, user.Username, user.Role, token.ExpiresAt);
    }
}

internal static class LoginEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/login", async Task<Ok<LoginResponse>> (LoginRequest body, ISender sender, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new LogIn(body.Username ?? "", body.Password ?? "", http.Connection.RemoteIpAddress?.ToString()), ct)))
            .WithName("LogIn")
            .WithSummary("Log in and get a user token")
            .WithDescription("A wrong password and an unknown username get the same 401. Repeated failures for one username lock it " +
                "for a while (429 with Retry-After), whatever the client address; a deactivated account gets 403.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RequireRateLimiting(AuthModule.LoginRateLimitPolicy)
            .WithMetadata(new BodySizeLimitMetadata(AuthModule.MaxBodyBytes));
}
