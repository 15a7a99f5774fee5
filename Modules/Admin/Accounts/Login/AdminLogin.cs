using Microsoft.Extensions.DependencyInjection;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts.Login;

internal sealed record AdminLogin(string Username, string Password, string? ClientIp) : ICommand<AdminLoginResult>
{
    // Records print every member; this one carries a password.
    public override string ToString() => $"AdminLogin {{ Username = {Username} }}";
}

internal sealed class AdminLoginValidator : AbstractValidator<AdminLogin>
{
    public AdminLoginValidator()
    {
        RuleFor(x => x.Username).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Password).NotEmpty().MaximumLength(128);
    }
}

internal sealed class AdminLoginHandler(
    AdminDbContext db,
    IPasswordHasher hasher,
    ITokenIssuer tokens,
    AdminTokenRegistry registry,
    [FromKeyedServices(ModuleNames.Admin)] LoginLockout throttle,
    AdminSettings settings,
    IPublisher publisher,
    TimeProvider clock) : ICommandHandler<AdminLogin, AdminLoginResult>
{
    public async ValueTask<AdminLoginResult> Handle(AdminLogin command, CancellationToken cancellationToken)
    {
        if (throttle.RetryAfterSeconds(command.Username) is { } wait)
        {
            await publisher.Publish(new AdminLoginFailed(command.Username, "locked_out", command.ClientIp), cancellationToken);
            throw AppException.TooManyRequests($"Too many failed logins for this account: try again in {wait} seconds.", wait);
        }

        var admin = await db.Admins.FirstOrDefaultAsync(a => a.Username == command.Username, cancellationToken);
        // Checked even for an unknown name (the hasher does the work of one check), so timing tells nothing.
        var check = await hasher.VerifyAsync(command.Password, admin?.PasswordHash, cancellationToken);
        if (admin is null || check == PasswordCheck.Failed)
        {
            throttle.RecordFailure(command.Username);
            await publisher.Publish(new AdminLoginFailed(command.Username, admin is null ? "unknown_admin" : "wrong_password", command.ClientIp), cancellationToken);
            throw AppException.Unauthorized("Wrong username or password.");
        }

        throttle.RecordSuccess(command.Username);
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            admin.PasswordHash = await hasher.HashAsync(command.Password, cancellationToken);
        }

        admin.LastLoginAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);

        var issued = tokens.Issue(new TokenRequest(TokenAudience.Admin, admin.Id, admin.Username, admin.Role, admin.TokenVersion, settings.TokenLifetime));
        await publisher.Publish(new AdminLoginSucceeded(admin.Id, admin.Username, command.ClientIp), cancellationToken);
        return new AdminLoginResult(issued.Token, AdminView.From(admin), issued.ExpiresAt);
    }
}

internal static class AdminLoginEndpoint
{
    internal sealed record LoginBody(string? Username, string? Password);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/login", async Task<Ok<AdminLoginResult>> (LoginBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new AdminLogin(body.Username ?? "", body.Password ?? "", http.Connection.RemoteIpAddress?.ToString()), http.RequestAborted)))
            .AllowAnonymous()
            .RequireRateLimiting("login")
            .WithName("AdminLogin")
            .WithSummary("Logs an admin in: an admin token, the account and when the token expires.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
