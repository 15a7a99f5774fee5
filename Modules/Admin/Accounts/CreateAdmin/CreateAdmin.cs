using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts.CreateAdmin;

internal sealed record CreateAdmin(string Username, string Password, string Role, AdminActor Actor) : ICommand<AdminView>
{
    public override string ToString() => $"CreateAdmin {{ Username = {Username}, Role = {Role} }}";
}

internal sealed class CreateAdminValidator : AbstractValidator<CreateAdmin>
{
    public CreateAdminValidator()
    {
        RuleFor(x => x.Username).NotEmpty().Matches(Validation.UsernamePattern)
            .WithMessage("Use 3–32 letters, digits, '_', '.' or '-'.");
        RuleFor(x => x.Password).NotEmpty().Length(8, 128);
        RuleFor(x => x.Role).AdminRoleName();
    }
}

internal sealed class CreateAdminHandler(
    AdminDbContext db, AdminAccountRules rules, IPasswordHasher hasher, AdminTokenRegistry registry, IPublisher publisher, TimeProvider clock)
    : ICommandHandler<CreateAdmin, AdminView>
{
    public async ValueTask<AdminView> Handle(CreateAdmin command, CancellationToken cancellationToken)
    {
        await rules.EnsureRoleGrantableAsync(command.Actor, command.Role, cancellationToken);
        if (await db.Admins.AnyAsync(a => a.Username == command.Username, cancellationToken))
        {
            throw AppException.Conflict($"An admin named '{command.Username}' already exists.");
        }

        var now = clock.GetUtcNow();
        var admin = new AdminAccount
        {
            Id = Guid.NewGuid().ToString(),
            Username = command.Username,
            PasswordHash = await hasher.HashAsync(command.Password, cancellationToken),
            Role = command.Role,
            TokenVersion = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Admins.Add(admin);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            // Two creations raced past the check; the unique index kept one.
            throw AppException.Conflict($"An admin named '{command.Username}' already exists.");
        }

        registry.Set(admin.Id, admin.TokenVersion);
        await publisher.AdminAction(command.Actor, "admin.admin.create", $"admin:{admin.Id}", $"username={admin.Username} role={admin.Role}", cancellationToken);
        return AdminView.From(admin);
    }
}

internal static class CreateAdminEndpoint
{
    internal sealed record AdminBody(string? Username, string? Password, string? Role);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/admins", async Task<Created<AdminView>> (AdminBody body, HttpContext http, ISender sender) =>
            {
                var created = await sender.Send(new CreateAdmin(body.Username ?? "", body.Password ?? "", body.Role ?? AdminRoles.Admin, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/admins/{created.Id}", created);
            })
            .RequirePermission(AdminPermission.AdminsWrite)
            .WithName("CreateAdmin")
            .WithSummary("Creates an admin account with a built-in or custom role the caller may grant.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}
