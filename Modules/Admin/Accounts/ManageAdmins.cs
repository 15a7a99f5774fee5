using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Admin.Roles;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

internal sealed record GetAdmin(string AdminId) : IQuery<AdminView>;
internal sealed record ListAdmins : IQuery<IReadOnlyList<AdminView>>;

internal sealed record CreateAdmin(string Username, string Password, string Role, AdminActor Actor) : ICommand<AdminView>
{
    public override string ToString() => $"CreateAdmin {{ Username = {Username}, Role = {Role} }}";
}

/// <summary>Partial: a null member is left as it is. A new password or role ends the admin's sessions.</summary>
internal sealed record UpdateAdmin(string AdminId, string? Role, string? Password, AdminActor Actor) : ICommand<AdminView>
{
    public override string ToString() => $"UpdateAdmin {{ AdminId = {AdminId}, Role = {Role} }}";
}

internal sealed record DeleteAdmin(string AdminId, AdminActor Actor) : ICommand;

/// <summary>Ends every session of the admin (logout everywhere).</summary>
internal sealed record RevokeAdminSessions(string AdminId, AdminActor Actor) : ICommand;

internal sealed record ChangeOwnAdminPassword(string AdminId, string CurrentPassword, string NewPassword) : ICommand<AdminLoginResult>
{
    public override string ToString() => $"ChangeOwnAdminPassword {{ AdminId = {AdminId} }}";
}

internal static class AdminRoleRules
{
    /// <summary>A built-in role or the name of a role of the roles table; whether that role exists is checked on commit.</summary>
    public static IRuleBuilderOptions<T, string> AdminRoleName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Must(r => AdminRoles.GrantsOf(r) is not null || (!AdminRoles.IsBuiltIn(r) && System.Text.RegularExpressions.Regex.IsMatch(r, RoleRules.NamePattern)))
            .WithMessage("Role must be super_admin, admin, viewer or the name of a role from the roles list.");
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

internal sealed class UpdateAdminValidator : AbstractValidator<UpdateAdmin>
{
    public UpdateAdminValidator()
    {
        RuleFor(x => x.Password!).Length(8, 128).When(x => x.Password is not null);
        RuleFor(x => x.Role!).AdminRoleName().When(x => x.Role is not null);
    }
}

internal sealed class ChangeOwnAdminPasswordValidator : AbstractValidator<ChangeOwnAdminPassword>
{
    public ChangeOwnAdminPasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty().MaximumLength(128);
        RuleFor(x => x.NewPassword).NotEmpty().Length(8, 128);
    }
}

internal sealed class AdminAccountHandlers(
    AdminDbContext db,
    IPasswordHasher hasher,
    AdminTokenRegistry registry,
    ITokenIssuer tokens,
    AdminSettings settings,
    AdminRolePermissions grants,
    IPublisher publisher,
    TimeProvider clock) :
    IQueryHandler<GetAdmin, AdminView>,
    IQueryHandler<ListAdmins, IReadOnlyList<AdminView>>,
    ICommandHandler<CreateAdmin, AdminView>,
    ICommandHandler<UpdateAdmin, AdminView>,
    ICommandHandler<DeleteAdmin>,
    ICommandHandler<RevokeAdminSessions>,
    ICommandHandler<ChangeOwnAdminPassword, AdminLoginResult>
{
    public async ValueTask<AdminView> Handle(GetAdmin query, CancellationToken cancellationToken) =>
        AdminView.From(await FindAsync(query.AdminId, cancellationToken));

    public async ValueTask<IReadOnlyList<AdminView>> Handle(ListAdmins query, CancellationToken cancellationToken)
    {
        var admins = await db.Admins.AsNoTracking().ToListAsync(cancellationToken);
        return admins.OrderBy(a => a.Username, StringComparer.OrdinalIgnoreCase).Select(AdminView.From).ToList();
    }

    public async ValueTask<AdminView> Handle(CreateAdmin command, CancellationToken cancellationToken)
    {
        await EnsureRoleGrantableAsync(command.Actor, command.Role, cancellationToken);
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

    // Two concurrent demotions or deletions could each see "another super_admin exists" and leave none.
    private static readonly SemaphoreSlim SuperAdminGate = new(1, 1);

    public async ValueTask<AdminView> Handle(UpdateAdmin command, CancellationToken cancellationToken)
    {
        await SuperAdminGate.WaitAsync(cancellationToken);
        try
        {
            return await UpdateAsync(command, cancellationToken);
        }
        finally
        {
            SuperAdminGate.Release();
        }
    }

    public async ValueTask<Unit> Handle(DeleteAdmin command, CancellationToken cancellationToken)
    {
        await SuperAdminGate.WaitAsync(cancellationToken);
        try
        {
            return await DeleteAsync(command, cancellationToken);
        }
        finally
        {
            SuperAdminGate.Release();
        }
    }

    private async Task<AdminView> UpdateAsync(UpdateAdmin command, CancellationToken cancellationToken)
    {
        var admin = await FindAsync(command.AdminId, cancellationToken);
        var changes = new List<string>();
        if (command.Role is not null && command.Role != admin.Role)
        {
            await EnsureRoleGrantableAsync(command.Actor, admin.Role, cancellationToken, mustExist: false);
            await EnsureRoleGrantableAsync(command.Actor, command.Role, cancellationToken);
            if (await IsLastSuperAdminAsync(admin, cancellationToken))
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

    private async Task<Unit> DeleteAsync(DeleteAdmin command, CancellationToken cancellationToken)
    {
        var admin = await FindAsync(command.AdminId, cancellationToken);
        await EnsureRoleGrantableAsync(command.Actor, admin.Role, cancellationToken, mustExist: false);
        if (await IsLastSuperAdminAsync(admin, cancellationToken))
        {
            throw AppException.Conflict("The last super_admin cannot be deleted.");
        }

        db.Admins.Remove(admin);
        await db.SaveChangesAsync(cancellationToken);
        registry.Remove(admin.Id);
        await publisher.AdminAction(command.Actor, "admin.admin.delete", $"admin:{admin.Id}", $"username={admin.Username}", cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(RevokeAdminSessions command, CancellationToken cancellationToken)
    {
        var admin = await FindAsync(command.AdminId, cancellationToken);
        admin.TokenVersion++;
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);
        await publisher.AdminAction(command.Actor, "admin.logout", $"admin:{admin.Id}", "", cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<AdminLoginResult> Handle(ChangeOwnAdminPassword command, CancellationToken cancellationToken)
    {
        var admin = await FindAsync(command.AdminId, cancellationToken);
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

    private async Task<AdminAccount> FindAsync(string id, CancellationToken cancellationToken) =>
        await db.Admins.FirstOrDefaultAsync(a => a.Id == id, cancellationToken)
        ?? throw AppException.NotFound($"No admin with id '{id}'.");

    /// <summary>The rule "the last super_admin stays": without one, nobody could manage admins any more.</summary>
    private async Task<bool> IsLastSuperAdminAsync(AdminAccount admin, CancellationToken cancellationToken) =>
        admin.Role == AdminRoles.SuperAdmin &&
        !await db.Admins.AnyAsync(a => a.Role == AdminRoles.SuperAdmin && a.Id != admin.Id, cancellationToken);

    /// <summary>
    /// The role exists (built in, or a row of the roles table: 400 on <c>role</c> otherwise), and the caller
    /// holds every admin permission it carries: an admin cannot give, or take away, more than it holds.
    /// </summary>
    private async Task EnsureRoleGrantableAsync(AdminActor actor, string role, CancellationToken cancellationToken, bool mustExist = true)
    {
        if (mustExist && !AdminRoles.IsBuiltIn(role) && !await db.Roles.AnyAsync(r => r.Name == role, cancellationToken))
        {
            throw AppException.Field("role", $"No role named '{role}': use super_admin, admin, viewer or a role from the roles list.");
        }

        if (mustExist && AdminRoles.IsBuiltIn(role) && AdminRoles.GrantsOf(role) is null)
        {
            throw AppException.Field("role", $"Built-in roles are written in lower case: '{role.ToLowerInvariant()}'.");
        }

        RoleRules.EnsureGrantable(await grants.OfRoleAsync(actor.Role, cancellationToken), await grants.OfRoleAsync(role, cancellationToken));
    }
}
