using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.AddMember;

internal sealed record AdminAddMember(string ChannelId, string UserId, string Role, AdminActor Actor) : ICommand<MemberView>;

internal sealed class AdminAddMemberValidator : AbstractValidator<AdminAddMember>
{
    public AdminAddMemberValidator()
    {
        RuleFor(x => x.UserId).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Role).Must(ChannelMemberRoles.All.Contains).WithMessage($"Role must be one of: {string.Join(", ", ChannelMemberRoles.All)}.");
    }
}

internal sealed class AdminAddMemberHandler(ISender sender, IPublisher publisher) : ICommandHandler<AdminAddMember, MemberView>
{
    public async ValueTask<MemberView> Handle(AdminAddMember command, CancellationToken cancellationToken)
    {
        var channel = await ChannelLookup.FindAsync(sender, command.ChannelId, cancellationToken);
        var user = await sender.Send(new GetUser(command.UserId), cancellationToken)
            ?? throw AppException.NotFound($"No user with id '{command.UserId}'.");
        var member = await sender.Send(new AddChannelMember(channel.Id, user.Id, command.Role, command.Actor.Id), cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.channel.member_add", $"channel:{channel.Id}", $"user={user.Username} role={member.Role}", cancellationToken);
        return new MemberView(member.UserId, user.Username, user.FullName, member.Role, member.JoinedAt);
    }
}

internal static class AddChannelMemberEndpoint
{
    internal sealed record MemberBody(string? UserId, string? Role);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/channels/{id}/members", async Task<Created<MemberView>> (string id, MemberBody body, HttpContext http, ISender s) =>
            {
                var member = await s.Send(new AdminAddMember(id, body.UserId ?? "", body.Role ?? "member", AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/channels/{id}/members/{member.UserId}", member);
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("AddChannelMember")
            .WithSummary("Adds a user to a channel (member or owner); connected sockets see it at once.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
}
