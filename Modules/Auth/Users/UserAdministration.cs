using FluentValidation;
using Mediator;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Users;

// What Admin asks of Auth. An admin may give any role (the privileged-role rule guards self-registration only).

internal sealed class CreateUserValidator : AbstractValidator<CreateUser>
{
    public CreateUserValidator()
    {
        RuleFor(c => c.Username).ValidUsername();
        RuleFor(c => c.FullName).ValidFullName();
        RuleFor(c => c.Password).ValidPassword();
        RuleFor(c => c.Role).ValidRole();
        RuleFor(c => c.DepartmentId).MaximumLength(64).WithMessage("department_id is longer than 64 characters.");
    }
}

internal sealed class CreateUserHandler(UserStore users, IPublisher publisher) : ICommandHandler<CreateUser, UserInfo>
{
    public async ValueTask<UserInfo> Handle(CreateUser command, CancellationToken cancellationToken)
    {
        var user = await users.CreateAsync(command.Username, command.FullName, command.Password, command.Role, command.DepartmentId, cancellationToken);
        var info = user.ToInfo();
        await publisher.Publish(new UserCreated(info, command.ActorId), CancellationToken.None);
        return info;
    }
}

internal sealed class UpdateUserValidator : AbstractValidator<UpdateUser>
{
    public UpdateUserValidator()
    {
        RuleFor(c => c.UserId).NotEmpty();
        When(c => c.FullName is not null, () => RuleFor(c => c.FullName).ValidFullName());
        When(c => c.Role is not null, () => RuleFor(c => c.Role).ValidRole());
        RuleFor(c => c.DepartmentId).MaximumLength(64).WithMessage("department_id is longer than 64 characters.");
    }
}

internal sealed class UpdateUserHandler(UserStore users, IPublisher publisher) : ICommandHandler<UpdateUser, UserInfo>
{
    public async ValueTask<UserInfo> Handle(UpdateUser command, CancellationToken cancellationToken)
    {
        var before = await users.FindAsync(command.UserId, cancellationToken);
        // A role change keeps sessions: the role in a user token is informational (no user endpoint is
        // authorised by it; whoever needs the current role asks GetUser), and renaming a role in Admin
        // must not log out everyone who holds it.
        var reason = command.IsActive == false && before.IsActive ? "deactivated" : null;

        var user = await users.UpdateAsync(command.UserId, u =>
        {
            if (command.FullName is not null)
            {
                u.FullName = command.FullName.Trim();
            }

            if (command.Role is not null)
            {
                u.Role = command.Role.Trim();
            }

            if (command.ClearDepartment)
            {
                u.DepartmentId = null;
            }
            else if (command.DepartmentId is not null)
            {
                u.DepartmentId = string.IsNullOrWhiteSpace(command.DepartmentId) ? null : command.DepartmentId.Trim();
            }

            if (command.IsActive is { } active)
            {
                u.IsActive = active;
            }
        }, reason, keepTokenId: null, cancellationToken);

        var info = user.ToInfo();
        await publisher.Publish(new UserUpdated(info, command.ActorId), CancellationToken.None);
        return info;
    }
}

internal sealed class DeleteUserHandler(UserStore users, IPublisher publisher) : ICommandHandler<DeleteUser>
{
    public async ValueTask<Unit> Handle(DeleteUser command, CancellationToken cancellationToken)
    {
        var user = await users.DeleteAsync(command.UserId, cancellationToken);
        await publisher.Publish(new UserDeleted(user.Id, user.Username, command.ActorId), CancellationToken.None);
        return Unit.Value;
    }
}

internal sealed class ResetUserPasswordHandler(UserStore users, IPasswordHasher hasher, IPublisher publisher) : ICommandHandler<ResetUserPassword, string>
{
    public async ValueTask<string> Handle(ResetUserPassword command, CancellationToken cancellationToken)
    {
        await users.FindAsync(command.UserId, cancellationToken);
        var password = PasswordGenerator.Generate();
        var hash = await hasher.HashAsync(password, cancellationToken);
        await users.UpdateAsync(command.UserId, u => u.PasswordHash = hash, "password_reset", keepTokenId: null, cancellationToken);
        await publisher.Publish(new UserPasswordReset(command.UserId, command.ActorId), CancellationToken.None);
        return password;
    }
}
