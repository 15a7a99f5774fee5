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
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels.Create;

internal sealed record AdminCreateChannel(string Name, string Type, string? DepartmentId, AdminActor Actor) : ICommand<ChannelInfo>;

internal sealed class AdminCreateChannelValidator : AbstractValidator<AdminCreateChannel>
{
    public AdminCreateChannelValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(80).Must(n => n.Trim().Length > 0).WithMessage("Name must not be blank.");
        RuleFor(x => x.Type).Must(t => t is ChannelTypes.Public or ChannelTypes.Private).WithMessage("Type must be 'public' or 'private'.");
    }
}

internal sealed class AdminCreateChannelHandler(ISender sender, IPublisher publisher, AdminDbContext db) : ICommandHandler<AdminCreateChannel, ChannelInfo>
{
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
}

internal static class CreateChannelEndpoint
{
    internal sealed record ChannelBody(string? Name, string? Type, string? DepartmentId);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/channels", async Task<Created<ChannelInfo>> (ChannelBody body, HttpContext http, ISender s) =>
            {
                var channel = await s.Send(new AdminCreateChannel(body.Name ?? "", body.Type ?? "public",
                    string.IsNullOrWhiteSpace(body.DepartmentId) ? null : body.DepartmentId, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/channels/{channel.Id}", channel);
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("CreateChannel")
            .WithSummary("Creates a public or private channel; names are unique case-insensitively.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}
