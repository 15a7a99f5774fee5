using FluentValidation;
using Mediator;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Data;
using Microsoft.EntityFrameworkCore;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>The channel administration Admin drives over the bus (Contracts/Messaging).</summary>
internal sealed class ChannelAdministrationHandlers(ChannelService service, ChannelDirectory directory, IDbContextFactory<MessagingDbContext> contexts)
    : ICommandHandler<CreateChannel, ChannelInfo>,
      ICommandHandler<DeleteChannel>,
      ICommandHandler<AddChannelMember, ChannelMemberInfo>,
      ICommandHandler<RemoveChannelMember>,
      IQueryHandler<ListChannels, IReadOnlyList<ChannelInfo>>,
      IQueryHandler<GetChannel, ChannelInfo?>,
      IQueryHandler<ListChannelMembers, IReadOnlyList<ChannelMemberInfo>>
{
    public async ValueTask<ChannelInfo> Handle(CreateChannel command, CancellationToken cancellationToken) =>
        await service.CreateAsync(command.Name, command.Type, command.DepartmentId, command.ActorId, cancellationToken);

    public async ValueTask<Unit> Handle(DeleteChannel command, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(command.ChannelId, command.ActorId, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<ChannelMemberInfo> Handle(AddChannelMember command, CancellationToken cancellationToken) =>
        await service.AddMemberAsync(command.ChannelId, command.UserId, string.IsNullOrWhiteSpace(command.Role) ? "member" : command.Role,
            command.ActorId, cancellationToken);

    public async ValueTask<Unit> Handle(RemoveChannelMember command, CancellationToken cancellationToken)
    {
        await service.RemoveMemberAsync(command.ChannelId, command.UserId, command.ActorId, cancellationToken);
        return Unit.Value;
    }

    public ValueTask<IReadOnlyList<ChannelInfo>> Handle(ListChannels query, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ChannelInfo>>(directory.All
            .Where(c => query.IncludeDirect || c.Type != ChannelTypes.Direct)
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .Select(c => c.ToInfo())
            .ToList());

    public ValueTask<ChannelInfo?> Handle(GetChannel query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(directory.Find(query.ChannelId)?.ToInfo());

    public async ValueTask<IReadOnlyList<ChannelMemberInfo>> Handle(ListChannelMembers query, CancellationToken cancellationToken)
    {
        if (directory.Find(query.ChannelId) is null)
        {
            throw AppException.NotFound("No such channel.");
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Members.AsNoTracking().Where(m => m.ChannelId == query.ChannelId).ToListAsync(cancellationToken);
        return rows.OrderBy(m => m.JoinedAt).Select(m => new ChannelMemberInfo(m.ChannelId, m.UserId, m.Role, m.JoinedAt)).ToList();
    }
}

internal sealed class CreateChannelValidator : AbstractValidator<CreateChannel>
{
    public CreateChannelValidator()
    {
        RuleFor(c => c.Name).NotEmpty().MaximumLength(ChannelService.MaxNameLength)
            .Must(n => n is not null && !n.Contains(':') && !n.Any(char.IsControl) && n.Trim().Length > 0)
            .WithMessage("name must be 1-80 characters, without ':' or control characters.");
        RuleFor(c => c.Type).Must(t => t is ChannelTypes.Public or ChannelTypes.Private)
            .WithMessage("type must be 'public' or 'private'.");
        RuleFor(c => c.DepartmentId).MaximumLength(128);
    }
}

internal sealed class AddChannelMemberValidator : AbstractValidator<AddChannelMember>
{
    public AddChannelMemberValidator()
    {
        RuleFor(c => c.ChannelId).NotEmpty().MaximumLength(160);
        RuleFor(c => c.UserId).NotEmpty().MaximumLength(128);
        RuleFor(c => c.Role).MaximumLength(40);
    }
}
