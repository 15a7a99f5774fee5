using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels;

internal sealed record MemberView(string UserId, string? Username, string? FullName, string Role, DateTimeOffset JoinedAt);

internal sealed record AdminListChannels : IQuery<IReadOnlyList<ChannelInfo>>;
internal sealed record AdminCreateChannel(string Name, string Type, string? DepartmentId, AdminActor Actor) : ICommand<ChannelInfo>;
internal sealed record AdminDeleteChannel(string ChannelId, AdminActor Actor) : ICommand;
internal sealed record AdminListMembers(string ChannelId) : IQuery<IReadOnlyList<MemberView>>;
internal sealed record AdminAddMember(string ChannelId, string UserId, string Role, AdminActor Actor) : ICommand<MemberView>;
internal sealed record AdminRemoveMember(string ChannelId, string UserId, AdminActor Actor) : ICommand;

internal static class ChannelMemberRoles
{
    public static readonly IReadOnlyList<string> All = ["member", "owner"];
}

internal sealed class AdminCreateChannelValidator : AbstractValidator<AdminCreateChannel>
{
    public AdminCreateChannelValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(80).Must(n => n.Trim().Length > 0).WithMessage("Name must not be blank.");
        RuleFor(x => x.Type).Must(t => t is ChannelTypes.Public or ChannelTypes.Private).WithMessage("Type must be 'public' or 'private'.");
    }
}

internal sealed class AdminAddMemberValidator : AbstractValidator<AdminAddMember>
{
    public AdminAddMemberValidator()
    {
        RuleFor(x => x.UserId).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Role).Must(ChannelMemberRoles.All.Contains).WithMessage($"Role must be one of: {string.Join(", ", ChannelMemberRoles.All)}.");
    }
}

internal sealed class ChannelHandlers(ISender sender, IPublisher publisher, AdminDbContext db) :
    IQueryHandler<AdminListChannels, IReadOnlyList<ChannelInfo>>,
    ICommandHandler<AdminCreateChannel, ChannelInfo>,
    ICommandHandler<AdminDeleteChannel>,
    IQueryHandler<AdminListMembers, IReadOnlyList<MemberView>>,
    ICommandHandler<AdminAddMember, MemberView>,
    ICommandHandler<AdminRemoveMember>
{
    public async ValueTask<IReadOnlyList<ChannelInfo>> Handle(AdminListChannels query, CancellationToken cancellationToken) =>
        (await sender.Send(new ListChannels(IncludeDirect: false), cancellationToken)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public async ValueTask<ChannelInfo> Handle(AdminCreateChannel command, CancellationToken cancellationToken)
    {
        if (command.DepartmentId is not null && !await db.Departments.AnyAsync(d => d.Id == command.DepartmentId, cancellationToken))
        {
            throw AppException.Field("department_id", $"No department with id '{command.DepartmentId}'.");
        }

        var channel = await sender.Send(new CreateChannel(command.Name.Trim(), command.Type, command.DepartmentId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.create", $"channel:{channel.Id}", $"name={channel.Name} type={channel.Type}", cancellationToken);
        return channel;
    }

    public async ValueTask<Unit> Handle(AdminDeleteChannel command, CancellationToken cancellationToken)
    {
        var channel = await FindChannelAsync(command.ChannelId, cancellationToken);
        await sender.Send(new DeleteChannel(channel.Id, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.delete", $"channel:{channel.Id}", $"name={channel.Name}", cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<IReadOnlyList<MemberView>> Handle(AdminListMembers query, CancellationToken cancellationToken)
    {
        await FindChannelAsync(query.ChannelId, cancellationToken);
        var members = await sender.Send(new ListChannelMembers(query.ChannelId), cancellationToken);
        var users = (await sender.Send(new GetUsers(members.Select(m => m.UserId).ToList()), cancellationToken)).ToDictionary(u => u.Id);
        return members
            .Select(m => new MemberView(m.UserId, users.GetValueOrDefault(m.UserId)?.Username, users.GetValueOrDefault(m.UserId)?.FullName, m.Role, m.JoinedAt))
            .OrderBy(m => m.Username ?? m.UserId, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    public async ValueTask<MemberView> Handle(AdminAddMember command, CancellationToken cancellationToken)
    {
        var channel = await FindChannelAsync(command.ChannelId, cancellationToken);
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken)
            ?? throw AppException.NotFound($"No user with id '{command.UserId}'.");
        var member = await sender.Send(new AddChannelMember(channel.Id, user.Id, command.Role, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.member_add", $"channel:{channel.Id}", $"user={user.Username} role={member.Role}", cancellationToken);
        return new MemberView(member.UserId, user.Username, user.FullName, member.Role, member.JoinedAt);
    }

    public async ValueTask<Unit> Handle(AdminRemoveMember command, CancellationToken cancellationToken)
    {
        var channel = await FindChannelAsync(command.ChannelId, cancellationToken);
        await sender.Send(new RemoveChannelMember(channel.Id, command.UserId, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.member_remove", $"channel:{channel.Id}", $"user_id={command.UserId}", cancellationToken);
        return Unit.Value;
    }

    private async Task<ChannelInfo> FindChannelAsync(string id, CancellationToken cancellationToken) =>
        await sender.Send(new GetChannel(id), cancellationToken) is { Type: not ChannelTypes.Direct } channel
            ? channel
            : throw AppException.NotFound($"No channel with id '{id}'.");
}
