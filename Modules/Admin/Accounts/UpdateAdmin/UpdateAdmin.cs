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

namespace ZiyadMessenger.Modules.Admin.Accounts.UpdateAdmin;

/// <summary>Partial: a null member is left as it is. A new password or role ends the admin's sessions.</summary>
internal sealed record UpdateAdmin(string AdminId, string? Role, string? Password, AdminActor Actor) : ICommand<AdminView>
{
    public override string ToString() => $"UpdateAdmin {{ AdminId = {AdminId}, Role = {Role} }}";
}

internal sealed class UpdateAdminValidator : AbstractValidator<UpdateAdmin>
{
    public UpdateAdminValidator()
    {
        RuleFor(x => x.Password!).Length(8, 128).When(x => x.Password is not null);
        RuleFor(x => x.Role!).AdminRoleName().When(x => x.Role is not null);
    }
}

internal sealed class UpdateAdminHandler(
    AdminDbContext db, AdminAccountRules rules, IPasswordHasher hasher, AdminTokenRegistry registry, IPublisher publisher, TimeProvider clock)
    : ICommandHandler<UpdateAdmin, AdminView>
{
    public async ValueTask<AdminView> Handle(UpdateAdmin command, CancellationToken cancellationToken)
    {
        await AdminAccountRules.SuperAdminGate.WaitAsync(cancellationToken);
        try
        {
            return await UpdateAsync(command, cancellationToken);
        }
        finally
        {
            AdminAccountRules.SuperAdminGate.Release();
        }
    }

    private async Task<AdminView> UpdateAsync(UpdateAdmin command, CancellationToken cancellationToken)
    {
        var admin = await rules.FindAsync(command.AdminId, cancellationToken);
        var changes = new List<string>();
        if (command.Role is not null && command.Role != admin.Role)
        {
            await rules.EnsureRoleGrantableAsync(command.Actor, admin.Role, cancellationToken, mustExist: false);
            await rules.EnsureRoleGrantableAsync(command.Actor, command.Role, cancellationToken);
            if (await rules.IsLastSuperAdminAsync(admin, cancellationToken))
            {
                throw AppException.Conflict("This is the last super_admin: make another admin super_admin first.");
            }

            admin.Role = command.Role;
            changes.Add($"role={command.Role}");
        }

        if (command.Password is not null)
        {
            admin.PasswordHash = await hasher.HashAsync(command.Password, cancellationToken);
            changes.Add("password");
        }

        if (changes.Count == 0)
        {
            return AdminView.From(admin);
        }

        // The token carries the role: a changed role or password must not keep old tokens alive.
        admin.TokenVersion++;
        admin.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);
        await publisher.AdminAction(command.Actor, "admin.admin.update", $"admin:{admin.Id}", string.Join(' ', changes), cancellationToken);
        return AdminView.From(admin);
    }
}

internal static class UpdateAdminEndpoint
{
    internal sealed record AdminUpdateBody(string? Password, string? Role);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/admin/admins/{id}", async Task<Ok<AdminView>> (string id, AdminUpdateBody body, HttpContext http, ISender sender) =>
                TypedResults.Ok(await sender.Send(new UpdateAdmin(id, body.Role, body.Password, AdminActor.From(http.User)), http.RequestAborted)))
            .RequirePermission(AdminPermission.AdminsWrite)
            .WithName("UpdateAdmin")
            .WithSummary("Changes an admin's role or password; its sessions end. 409 for the last super_admin.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
