using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Organization;

/// <summary>The permissions a role can grant. A fixed list, so a typo is a 400 rather than a dead permission.</summary>
internal static class Permissions
{
    public static readonly IReadOnlyList<string> All =
    [
        "messages.send", "messages.edit_own", "messages.delete_own", "files.upload", "files.download",
        "channels.read_public", "channels.create", "directory.read", "presence.read",
    ];

    public static readonly IReadOnlyList<string> MemberDefault =
        ["messages.send", "messages.edit_own", "messages.delete_own", "files.upload", "files.download", "channels.read_public", "directory.read", "presence.read"];
}

internal static class DeviceKinds
{
    public static readonly IReadOnlyList<string> All = ["desktop", "laptop", "phone", "tablet", "other"];
}

internal sealed record RoleView(string Id, string Name, string Description, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static RoleView From(UserRole r) => new(r.Id, r.Name, r.Description, JsonSerializer.Deserialize<List<string>>(r.Permissions) ?? [], r.CreatedAt, r.UpdatedAt);
}

internal sealed record DepartmentView(string Id, string Name, string Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DepartmentView From(Department d) => new(d.Id, d.Name, d.Description, d.CreatedAt, d.UpdatedAt);
}

internal sealed record DeviceView(string Id, string Name, string Kind, string Identifier, string? UserId, bool IsActive, string Notes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DeviceView From(Device d) => new(d.Id, d.Name, d.Kind, d.Identifier, d.UserId, d.IsActive, d.Notes, d.CreatedAt, d.UpdatedAt);
}

// Roles
internal sealed record ListRoles : IQuery<IReadOnlyList<RoleView>>;
internal sealed record CreateRole(string Name, string? Description, IReadOnlyList<string>? Permissions, AdminActor Actor) : ICommand<RoleView>;
internal sealed record UpdateRole(string RoleId, string? Name, string? Description, IReadOnlyList<string>? Permissions, AdminActor Actor) : ICommand<RoleView>;
internal sealed record DeleteRole(string RoleId, AdminActor Actor) : ICommand;

// Departments
internal sealed record ListDepartments : IQuery<IReadOnlyList<DepartmentView>>;
internal sealed record CreateDepartment(string Name, string? Description, AdminActor Actor) : ICommand<DepartmentView>;
internal sealed record UpdateDepartment(string DepartmentId, string? Name, string? Description, AdminActor Actor) : ICommand<DepartmentView>;
internal sealed record DeleteDepartment(string DepartmentId, AdminActor Actor) : ICommand;

// Devices
internal sealed record ListDevices : IQuery<IReadOnlyList<DeviceView>>;
internal sealed record CreateDevice(string Name, string Kind, string Identifier, string? UserId, string? Notes, AdminActor Actor) : ICommand<DeviceView>;
internal sealed record UpdateDevice(string DeviceId, string? Name, string? Kind, string? Identifier, bool UserGiven, string? UserId, bool? IsActive, string? Notes, AdminActor Actor) : ICommand<DeviceView>;
internal sealed record DeleteDevice(string DeviceId, AdminActor Actor) : ICommand;

internal static class Rules
{
    public const string NamePattern = "^[a-zA-Z0-9_.-]{2,40}$";

    public static IRuleBuilderOptions<T, string> RoleName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().Matches(NamePattern).WithMessage("Use 2–40 letters, digits, '_', '.' or '-'.")
            .Must(n => !AdminRoles.All.Contains(n.ToLowerInvariant())).WithMessage("Admin roles are not user roles.");

    public static IRuleBuilderOptions<T, IReadOnlyList<string>> KnownPermissions<T>(this IRuleBuilder<T, IReadOnlyList<string>> rule) =>
        rule.Must(p => p.All(Permissions.All.Contains))
            .WithMessage($"Unknown permission. Known: {string.Join(", ", Permissions.All)}.");
}

internal sealed class CreateRoleValidator : AbstractValidator<CreateRole>
{
    public CreateRoleValidator()
    {
        RuleFor(x => x.Name).RoleName();
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
        RuleFor(x => x.Permissions!).KnownPermissions().When(x => x.Permissions is not null);
    }
}

internal sealed class UpdateRoleValidator : AbstractValidator<UpdateRole>
{
    public UpdateRoleValidator()
    {
        RuleFor(x => x.Name!).RoleName().When(x => x.Name is not null);
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
        RuleFor(x => x.Permissions!).KnownPermissions().When(x => x.Permissions is not null);
    }
}

internal sealed class CreateDepartmentValidator : AbstractValidator<CreateDepartment>
{
    public CreateDepartmentValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(80).Must(n => n.Trim().Length > 0).WithMessage("Name must not be blank.");
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
    }
}

internal sealed class UpdateDepartmentValidator : AbstractValidator<UpdateDepartment>
{
    public UpdateDepartmentValidator()
    {
        RuleFor(x => x.Name!).NotEmpty().MaximumLength(80).Must(n => n.Trim().Length > 0).WithMessage("Name must not be blank.").When(x => x.Name is not null);
        RuleFor(x => x.Description!).MaximumLength(200).When(x => x.Description is not null);
    }
}

internal sealed class CreateDeviceValidator : AbstractValidator<CreateDevice>
{
    public CreateDeviceValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(80);
        RuleFor(x => x.Kind).Must(DeviceKinds.All.Contains).WithMessage($"Kind must be one of: {string.Join(", ", DeviceKinds.All)}.");
        RuleFor(x => x.Identifier).NotEmpty().MaximumLength(128);
        RuleFor(x => x.Notes!).MaximumLength(500).When(x => x.Notes is not null);
    }
}

internal sealed class UpdateDeviceValidator : AbstractValidator<UpdateDevice>
{
    public UpdateDeviceValidator()
    {
        RuleFor(x => x.Name!).NotEmpty().MaximumLength(80).When(x => x.Name is not null);
        RuleFor(x => x.Kind!).Must(DeviceKinds.All.Contains).WithMessage($"Kind must be one of: {string.Join(", ", DeviceKinds.All)}.").When(x => x.Kind is not null);
        RuleFor(x => x.Identifier!).NotEmpty().MaximumLength(128).When(x => x.Identifier is not null);
        RuleFor(x => x.Notes!).MaximumLength(500).When(x => x.Notes is not null);
    }
}

internal sealed class OrganizationHandlers(AdminDbContext db, ISender sender, IPublisher publisher, TimeProvider clock) :
    IQueryHandler<ListRoles, IReadOnlyList<RoleView>>,
    ICommandHandler<CreateRole, RoleView>,
    ICommandHandler<UpdateRole, RoleView>,
    ICommandHandler<DeleteRole>,
    IQueryHandler<ListDepartments, IReadOnlyList<DepartmentView>>,
    ICommandHandler<CreateDepartment, DepartmentView>,
    ICommandHandler<UpdateDepartment, DepartmentView>,
    ICommandHandler<DeleteDepartment>,
    IQueryHandler<ListDevices, IReadOnlyList<DeviceView>>,
    ICommandHandler<CreateDevice, DeviceView>,
    ICommandHandler<UpdateDevice, DeviceView>,
    ICommandHandler<DeleteDevice>
{
    // ---- roles

    public async ValueTask<IReadOnlyList<RoleView>> Handle(ListRoles query, CancellationToken cancellationToken) =>
        (await db.Roles.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).Select(RoleView.From).ToList();

    public async ValueTask<RoleView> Handle(CreateRole command, CancellationToken cancellationToken)
    {
        await EnsureUniqueRoleAsync(command.Name, null, cancellationToken);
        var now = clock.GetUtcNow();
        var role = new UserRole
        {
            Id = Guid.NewGuid().ToString(),
            Name = command.Name,
            Description = command.Description?.Trim() ?? "",
            Permissions = JsonSerializer.Serialize((command.Permissions ?? []).Distinct()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Roles.Add(role);
        await SaveAsync($"A role named '{command.Name}' already exists.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.role.create", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return RoleView.From(role);
    }

    public async ValueTask<RoleView> Handle(UpdateRole command, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == command.RoleId, cancellationToken)
            ?? throw AppException.NotFound($"No role with id '{command.RoleId}'.");
        var oldName = role.Name;
        if (command.Name is not null && !string.Equals(command.Name, role.Name, StringComparison.Ordinal))
        {
            await EnsureUniqueRoleAsync(command.Name, role.Id, cancellationToken);
            role.Name = command.Name;
        }

        if (command.Description is not null) role.Description = command.Description.Trim();
        if (command.Permissions is not null) role.Permissions = JsonSerializer.Serialize(command.Permissions.Distinct());
        role.UpdatedAt = clock.GetUtcNow();
        await SaveAsync($"A role named '{command.Name}' already exists.", cancellationToken);

        if (oldName != role.Name)
        {
            // Users hold their role by name (it is in their tokens): carry a rename over to them.
            foreach (var user in await UsersAsync(u => string.Equals(u.Role, oldName, StringComparison.OrdinalIgnoreCase), cancellationToken))
            {
                await sender.Send(new UpdateUser(user.Id, null, role.Name, null, null, command.Actor.Id), cancellationToken);
            }
        }

        await publisher.AdminAction(command.Actor, "admin.role.update", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return RoleView.From(role);
    }

    public async ValueTask<Unit> Handle(DeleteRole command, CancellationToken cancellationToken)
    {
        var role = await db.Roles.FirstOrDefaultAsync(r => r.Id == command.RoleId, cancellationToken)
            ?? throw AppException.NotFound($"No role with id '{command.RoleId}'.");
        var holders = await UsersAsync(u => string.Equals(u.Role, role.Name, StringComparison.OrdinalIgnoreCase), cancellationToken);
        if (holders.Count > 0)
        {
            throw AppException.Conflict($"{holders.Count} user(s) hold the role '{role.Name}': give them another role first.");
        }

        db.Roles.Remove(role);
        await db.SaveChangesAsync(cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.role.delete", $"role:{role.Id}", $"name={role.Name}", cancellationToken);
        return Unit.Value;
    }

    // ---- departments

    public async ValueTask<IReadOnlyList<DepartmentView>> Handle(ListDepartments query, CancellationToken cancellationToken) =>
        (await db.Departments.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(DepartmentView.From).ToList();

    public async ValueTask<DepartmentView> Handle(CreateDepartment command, CancellationToken cancellationToken)
    {
        var name = command.Name.Trim();
        if (await db.Departments.AnyAsync(d => d.Name == name, cancellationToken))
        {
            throw AppException.Conflict($"A department named '{name}' already exists.");
        }

        var now = clock.GetUtcNow();
        var department = new Department { Id = Guid.NewGuid().ToString(), Name = name, Description = command.Description?.Trim() ?? "", CreatedAt = now, UpdatedAt = now };
        db.Departments.Add(department);
        await SaveAsync($"A department named '{name}' already exists.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.create", $"department:{department.Id}", $"name={name}", cancellationToken);
        return DepartmentView.From(department);
    }

    public async ValueTask<DepartmentView> Handle(UpdateDepartment command, CancellationToken cancellationToken)
    {
        var department = await db.Departments.FirstOrDefaultAsync(d => d.Id == command.DepartmentId, cancellationToken)
            ?? throw AppException.NotFound($"No department with id '{command.DepartmentId}'.");
        if (command.Name is not null)
        {
            var name = command.Name.Trim();
            if (await db.Departments.AnyAsync(d => d.Name == name && d.Id != department.Id, cancellationToken))
            {
                throw AppException.Conflict($"A department named '{name}' already exists.");
            }

            department.Name = name;
        }

        if (command.Description is not null) department.Description = command.Description.Trim();
        department.UpdatedAt = clock.GetUtcNow();
        await SaveAsync($"A department named '{command.Name}' already exists.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.update", $"department:{department.Id}", $"name={department.Name}", cancellationToken);
        return DepartmentView.From(department);
    }

    public async ValueTask<Unit> Handle(DeleteDepartment command, CancellationToken cancellationToken)
    {
        var department = await db.Departments.FirstOrDefaultAsync(d => d.Id == command.DepartmentId, cancellationToken)
            ?? throw AppException.NotFound($"No department with id '{command.DepartmentId}'.");
        // Users in it are moved to "no department" rather than left pointing at a missing row.
        foreach (var user in await UsersAsync(u => u.DepartmentId == department.Id, cancellationToken))
        {
            await sender.Send(new UpdateUser(user.Id, null, null, null, null, command.Actor.Id, ClearDepartment: true), cancellationToken);
        }

        db.Departments.Remove(department);
        await db.SaveChangesAsync(cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.department.delete", $"department:{department.Id}", $"name={department.Name}", cancellationToken);
        return Unit.Value;
    }

    // ---- devices

    public async ValueTask<IReadOnlyList<DeviceView>> Handle(ListDevices query, CancellationToken cancellationToken) =>
        (await db.Devices.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(DeviceView.From).ToList();

    public async ValueTask<DeviceView> Handle(CreateDevice command, CancellationToken cancellationToken)
    {
        var identifier = command.Identifier.Trim();
        if (await db.Devices.AnyAsync(d => d.Identifier == identifier, cancellationToken))
        {
            throw AppException.Conflict($"A device with identifier '{identifier}' is already registered.");
        }

        await EnsureUserAsync(command.UserId, cancellationToken);
        var now = clock.GetUtcNow();
        var device = new Device
        {
            Id = Guid.NewGuid().ToString(),
            Name = command.Name.Trim(),
            Kind = command.Kind,
            Identifier = identifier,
            UserId = command.UserId,
            Notes = command.Notes?.Trim() ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Devices.Add(device);
        await SaveAsync($"A device with identifier '{identifier}' is already registered.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.create", $"device:{device.Id}", $"name={device.Name} identifier={device.Identifier}", cancellationToken);
        return DeviceView.From(device);
    }

    public async ValueTask<DeviceView> Handle(UpdateDevice command, CancellationToken cancellationToken)
    {
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == command.DeviceId, cancellationToken)
            ?? throw AppException.NotFound($"No device with id '{command.DeviceId}'.");
        if (command.Identifier is not null)
        {
            var identifier = command.Identifier.Trim();
            if (await db.Devices.AnyAsync(d => d.Identifier == identifier && d.Id != device.Id, cancellationToken))
            {
                throw AppException.Conflict($"A device with identifier '{identifier}' is already registered.");
            }

            device.Identifier = identifier;
        }

        if (command.UserGiven)
        {
            await EnsureUserAsync(command.UserId, cancellationToken);
            device.UserId = command.UserId;
        }

        if (command.Name is not null) device.Name = command.Name.Trim();
        if (command.Kind is not null) device.Kind = command.Kind;
        if (command.IsActive is { } active) device.IsActive = active;
        if (command.Notes is not null) device.Notes = command.Notes.Trim();
        device.UpdatedAt = clock.GetUtcNow();
        await SaveAsync("A device with that identifier is already registered.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.update", $"device:{device.Id}", $"name={device.Name}", cancellationToken);
        return DeviceView.From(device);
    }

    public async ValueTask<Unit> Handle(DeleteDevice command, CancellationToken cancellationToken)
    {
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == command.DeviceId, cancellationToken)
            ?? throw AppException.NotFound($"No device with id '{command.DeviceId}'.");
        db.Devices.Remove(device);
        await db.SaveChangesAsync(cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.delete", $"device:{device.Id}", $"name={device.Name}", cancellationToken);
        return Unit.Value;
    }

    // ---- shared

    private async Task EnsureUniqueRoleAsync(string name, string? exceptId, CancellationToken cancellationToken)
    {
        if (await db.Roles.AnyAsync(r => r.Name == name && r.Id != exceptId, cancellationToken))
        {
            throw AppException.Conflict($"A role named '{name}' already exists.");
        }
    }

    private async Task EnsureUserAsync(string? userId, CancellationToken cancellationToken)
    {
        if (userId is not null && await sender.Send(new GetUser(userId), cancellationToken) is null)
        {
            throw AppException.Field("user_id", $"No user with id '{userId}'.");
        }
    }

    private async Task SaveAsync(string conflictMessage, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 })
        {
            // A concurrent request took the name between our check and the insert: the unique index decides.
            throw AppException.Conflict(conflictMessage);
        }
    }

    /// <summary>Every user matching, paged through Auth (an office has hundreds of users, not millions).</summary>
    private async Task<List<UserInfo>> UsersAsync(Func<UserInfo, bool> predicate, CancellationToken cancellationToken)
    {
        var found = new List<UserInfo>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await sender.Send(new ListUsers(null, offset, 500), cancellationToken);
            found.AddRange(page.Users.Where(predicate));
            if (page.Users.Count < 500)
            {
                return found;
            }
        }
    }
}

internal static class OrganizationSeeder
{
    /// <summary>The role new users get unless told otherwise, so the roles page is never empty.</summary>
    public static async Task SeedAsync(AdminDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await db.Roles.AnyAsync(cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.Roles.Add(new UserRole
        {
            Id = Guid.NewGuid().ToString(),
            Name = "member",
            Description = "Every staff member: chat, files, the directory.",
            Permissions = JsonSerializer.Serialize(Permissions.MemberDefault),
            CreatedAt = now,
            UpdatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
