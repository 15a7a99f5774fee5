using System.Text.Json;
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

namespace ZiyadMessenger.Modules.Admin.Devices.UpdateDevice;

/// <summary>Partial: a null member is left as it is; <c>user_id</c> given as null unassigns the device.</summary>
internal sealed record UpdateDevice(string DeviceId, string? Name, string? Kind, string? Identifier, bool UserGiven, string? UserId, bool? IsActive, string? Notes, AdminActor Actor) : ICommand<DeviceView>;

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

internal sealed class UpdateDeviceHandler(AdminDbContext db, ISender sender, IPublisher publisher, TimeProvider clock) : ICommandHandler<UpdateDevice, DeviceView>
{
    public async ValueTask<DeviceView> Handle(UpdateDevice command, CancellationToken cancellationToken)
    {
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == command.DeviceId, cancellationToken) ?? throw DeviceRules.NotFound(command.DeviceId);
        if (command.Identifier is not null)
        {
            var identifier = command.Identifier.Trim();
            if (await db.Devices.AnyAsync(d => d.Identifier == identifier && d.Id != device.Id, cancellationToken))
            {
                throw AppException.Conflict(DeviceRules.Conflict(identifier));
            }

            device.Identifier = identifier;
        }

        if (command.UserGiven)
        {
            await DeviceRules.EnsureUserExistsAsync(sender, command.UserId, cancellationToken);
            device.UserId = command.UserId;
        }

        if (command.Name is not null) device.Name = command.Name.Trim();
        if (command.Kind is not null) device.Kind = command.Kind;
        if (command.IsActive is { } active) device.IsActive = active;
        if (command.Notes is not null) device.Notes = command.Notes.Trim();
        device.UpdatedAt = clock.GetUtcNow();
        await db.CommitAsync(DeviceRules.Conflict(device.Identifier), "The device was deleted meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.update", $"device:{device.Id}", $"name={device.Name}", cancellationToken);
        return DeviceView.From(device);
    }
}

internal static class UpdateDeviceEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPut("/admin/devices/{id}", async Task<Ok<DeviceView>> (string id, JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                return TypedResults.Ok(await sender.Send(new UpdateDevice(id, json.String("name"), json.String("kind"), json.String("identifier"),
                    json.Has("user_id"), DeviceRules.Blank(json.String("user_id")), json.Bool("is_active"), json.String("notes"), AdminActor.From(http.User)), http.RequestAborted));
            })
            .RequirePermission(AdminPermission.DevicesWrite)
            .WithName("UpdateDevice")
            .WithSummary("Changes a device (partial); user_id null unassigns it.")
            .Accepts<DeviceBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
}
