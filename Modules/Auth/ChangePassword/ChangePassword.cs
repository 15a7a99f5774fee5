using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Auth.Sessions;
using ZiyadMessenger.Modules.Auth.Users;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.ChangePassword;

internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>
/// Sets a new password. Every other token of the user stops working; the token that asked keeps
/// working, so the client that changed the password stays logged in.
/// </summary>
internal sealed record ChangeOwnPassword(string UserId, string TokenId, string CurrentPassword, string NewPassword) : ICommand;

internal sealed class ChangeOwnPasswordValidator : AbstractValidator<ChangeOwnPassword>
{
    public ChangeOwnPasswordValidator()
    {
        RuleFor(c => c.CurrentPassword).NotEmpty().WithMessage("current_password is required.")
            .MaximumLength(UserRules.PasswordMax).WithMessage($"current_password is longer than {UserRules.PasswordMax} characters.");
        RuleFor(c => c.NewPassword).ValidPassword("new_password")
            .NotEqual(c => c.CurrentPassword).WithMessage("new_password must differ from the current password.");
    }
}

internal sealed class ChangeOwnPasswordHandler(UserStore users, IPasswordHasher hasher, [FromKeyedServices(ModuleNames.Auth)] LoginLockout throttle, IPublisher publisher)
    : ICommandHandler<ChangeOwnPassword>
{
    public async ValueTask<Unit> Handle(ChangeOwnPassword command, CancellationToken cancellationToken)
    {
        var current = await users.FindAsync(command.UserId, cancellationToken);
        // A stolen token must not become a way to guess the password: the login lockout applies here too.
        if (throttle.RetryAfterSeconds(current.UsernameKey) is { } wait)
        {
            throw AppException.TooManyRequests($"Too many wrong passwords for this account: try again in {wait} seconds.", wait);
        }

        if (await hasher.VerifyAsync(command.CurrentPassword, current.PasswordHash, cancellationToken) == PasswordCheck.Failed)
        {
            throttle.RecordFailure(current.UsernameKey);
            throw AppException.Field("current_password", "current_password is wrong.");
        }

        var hash = await hasher.HashAsync(command.NewPassword, cancellationToken);
        await users.UpdateAsync(command.UserId, u => u.PasswordHash = hash, "password_changed", command.TokenId, cancellationToken);
        await publisher.Publish(new PasswordChanged(command.UserId), CancellationToken.None);
        return Unit.Value;
    }
}

internal static class ChangePasswordEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/change-password", async Task<NoContent> (ChangePasswordRequest body, ClaimsPrincipal principal, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new ChangeOwnPassword(principal.UserId(), principal.TokenId()!, body.CurrentPassword ?? "", body.NewPassword ?? ""), ct);
                return TypedResults.NoContent();
            })
            .WithName("ChangePassword")
            .WithSummary("Change your own password")
            .WithDescription("Needs the current password (a wrong one is a 400 on current_password and counts toward the login lockout). " +
                "Every other token of the user stops working; the one that asked keeps working.")
            .RequireAuthorization(AuthPolicies.User)
            .RequireRateLimiting(AuthModule.LoginRateLimitPolicy)
            .WithMetadata(new BodySizeLimitMetadata(AuthModule.MaxBodyBytes));
}
