using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts.ChangeOwnPassword;

internal sealed record ChangeOwnAdminPassword(string AdminId, string CurrentPassword, string NewPassword) : ICommand<AdminLoginResult>
{
    public override string ToString() => $"ChangeOwnAdminPassword {{ AdminId = {AdminId} }}";
}

internal sealed class ChangeOwnAdminPasswordValidator : AbstractValidator<ChangeOwnAdminPassword>
{
    public ChangeOwnAdminPasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty().MaximumLength(128);
        RuleFor(x => x.NewPassword).NotEmpty().Length(8, 128);
    }
}

internal sealed class ChangeOwnAdminPasswordHandler(
    AdminDbContext db, AdminAccountRules rules, IPasswordHasher hasher, AdminTokenRegistry registry, ITokenIssuer tokens,
    AdminSettings settings, IPublisher publisher, TimeProvider clock)
    : ICommandHandler<ChangeOwnAdminPassword, AdminLoginResult>
{
    public async ValueTask<AdminLoginResult> Handle(ChangeOwnAdminPassword command, CancellationToken cancellationToken)
    {
        var admin = await rules.FindAsync(command.AdminId, cancellationToken);
        if (await hasher.VerifyAsync(command.CurrentPassword, admin.PasswordHash, cancellationToken) == PasswordCheck.Failed)
        {
            throw AppException.Field("current_password", "The current password is wrong.");
        }

        admin.PasswordHash = await hasher.HashAsync(command.NewPassword, cancellationToken);
        admin.TokenVersion++;
        admin.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);
        await publisher.AdminAction(new AdminActor(admin.Id, admin.Username, admin.Role), "admin.password.change", $"admin:{admin.Id}", "", cancellationToken);
        var issued = tokens.Issue(new(TokenAudience.Admin, admin.Id, admin.Username, admin.Role, admin.TokenVersion, settings.TokenLifetime));
        return new AdminLoginResult(issued.Token, AdminView.From(admin), issued.ExpiresAt);
    }
}

internal static class ChangeOwnAdminPasswordEndpoint
{
    internal sealed record PasswordBody(string? CurrentPassword, string? NewPassword);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/me/password", async Task<Ok<AdminLoginResult>> (PasswordBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new ChangeOwnAdminPassword(http.User.UserId(), body.CurrentPassword ?? "", body.NewPassword ?? ""), http.RequestAborted)))
            .RequireAuthorization(AdminPolicies.AnyAdminAccount)
            .RequireRateLimiting("login")
            .WithName("ChangeOwnAdminPassword")
            .WithSummary("Changes the caller's password; other sessions end and a fresh login answer comes back.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);
}
