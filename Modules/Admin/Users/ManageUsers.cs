using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Users;

internal sealed record UserListView(IReadOnlyList<UserInfo> Users, int Total, int Offset, int Limit);

internal sealed record AdminListUsers(string? Search, int Offset, int Limit) : IQuery<UserListView>;

/// <summary>Creates a user through Auth. The role comes from <c>role_id</c> (a row of admin_roles) or by name.</summary>
internal sealed record AdminCreateUser(string Username, string FullName, string Password, string? RoleId, string? Role, string? DepartmentId, AdminActor Actor) : ICommand<UserInfo>
{
    public override string ToString() => $"AdminCreateUser {{ Username = {Username} }}";
}

/// <param name="DepartmentGiven">True when the body named department_id, even as null (which clears it).</param>
internal sealed record AdminUpdateUser(string UserId, string? FullName, string? RoleId, string? Role, bool DepartmentGiven, string? DepartmentId, bool? IsActive, AdminActor Actor) : ICommand<UserInfo>;

internal sealed record AdminDeleteUser(string UserId, AdminActor Actor) : ICommand;

internal sealed record AdminResetUserPassword(string UserId, AdminActor Actor) : ICommand<string>;

internal sealed class AdminListUsersValidator : AbstractValidator<AdminListUsers>
{
    public AdminListUsersValidator()
    {
        RuleFor(x => x.Offset).GreaterThanOrEqualTo(0);
        RuleFor(x => x.Limit).InclusiveBetween(1, 500);
        RuleFor(x => x.Search!).MaximumLength(100).When(x => x.Search is not null);
    }
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

internal sealed class AdminUpdateUserValidator : AbstractValidator<AdminUpdateUser>
{
    public AdminUpdateUserValidator()
    {
        RuleFor(x => x.FullName!).MaximumLength(80).When(x => x.FullName is not null);
        RuleFor(x => x.Role!).NotEmpty().MaximumLength(40).When(x => x.Role is not null);
    }
}

internal sealed class UserHandlers(ISender sender, IPublisher publisher, AdminDbContext db) :
    IQueryHandler<AdminListUsers, UserListView>,
    ICommandHandler<AdminCreateUser, UserInfo>,
    ICommandHandler<AdminUpdateUser, UserInfo>,
    ICommandHandler<AdminDeleteUser>,
    ICommandHandler<AdminResetUserPassword, string>
{
    public async ValueTask<UserListView> Handle(AdminListUsers query, CancellationToken cancellationToken)
    {
        var page = await sender.Send(new ListUsers(string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim(), query.Offset, query.Limit), cancellationToken);
        return new UserListView(page.Users, page.Total, query.Offset, query.Limit);
    }

    public async ValueTask<UserInfo> Handle(AdminCreateUser command, CancellationToken cancellationToken)
    {
        var role = await ResolveRoleAsync(command.RoleId, command.Role, cancellationToken) ?? "member";
        await EnsureDepartmentAsync(command.DepartmentId, cancellationToken);
        var fullName = string.IsNullOrWhiteSpace(command.FullName) ? command.Username : command.FullName.Trim();
        var user = await sender.Send(new CreateUser(command.Username, fullName, command.Password, role, command.DepartmentId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.create", $"user:{user.Id}", $"username={user.Username} role={user.Role}", cancellationToken);
        return user;
    }

    public async ValueTask<UserInfo> Handle(AdminUpdateUser command, CancellationToken cancellationToken)
    {
        var role = await ResolveRoleAsync(command.RoleId, command.Role, cancellationToken);
        if (command.DepartmentGiven)
        {
            await EnsureDepartmentAsync(command.DepartmentId, cancellationToken);
        }

        _ = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw AppException.NotFound($"No user with id '{command.UserId}'.");
        var user = await sender.Send(new UpdateUser(
            command.UserId,
            command.FullName?.Trim(),
            role,
            command.DepartmentGiven ? command.DepartmentId : null,
            command.IsActive,
            command.Actor.Id,
            ClearDepartment: command.DepartmentGiven && command.DepartmentId is null), cancellationToken);

        var changes = new List<string>();
        if (command.FullName is not null) changes.Add("full_name");
        if (role is not null) changes.Add($"role={role}");
        if (command.DepartmentGiven) changes.Add($"department={command.DepartmentId ?? "none"}");
        if (command.IsActive is { } active) changes.Add(active ? "activated" : "deactivated");
        var action = command.IsActive == false ? "admin.user.deactivate" : "admin.user.update";
        await publisher.AdminAction(command.Actor, action, $"user:{user.Id}", string.Join(' ', changes), cancellationToken);
        return user;
    }

    public async ValueTask<Unit> Handle(AdminDeleteUser command, CancellationToken cancellationToken)
    {
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw AppException.NotFound($"No user with id '{command.UserId}'.");
        await sender.Send(new DeleteUser(command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.delete", $"user:{user.Id}", $"username={user.Username}", cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<string> Handle(AdminResetUserPassword command, CancellationToken cancellationToken)
    {
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken) ?? throw AppException.NotFound($"No user with id '{command.UserId}'.");
        var password = await sender.Send(new ResetUserPassword(command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.user.reset_password", $"user:{user.Id}", $"username={user.Username}", cancellationToken);
        return password;
    }

    private async Task<string?> ResolveRoleAsync(string? roleId, string? roleName, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(roleId))
        {
            var role = await db.Roles.AsNoTracking().FirstOrDefaultAsync(r => r.Id == roleId, cancellationToken)
                ?? throw AppException.Field("role_id", $"No role with id '{roleId}'.");
            return role.Name;
        }

        if (string.IsNullOrEmpty(roleName))
        {
            return null;
        }

        if (AdminRoles.IsBuiltIn(roleName))
        {
            throw AppException.Field("role", "Admin roles cannot be given to users; create an admin account instead.");
        }

        return roleName;
    }

    private async Task EnsureDepartmentAsync(string? departmentId, CancellationToken cancellationToken)
    {
        if (departmentId is not null && !await db.Departments.AnyAsync(d => d.Id == departmentId, cancellationToken))
        {
            throw AppException.Field("department_id", $"No department with id '{departmentId}'.");
        }
    }
}
