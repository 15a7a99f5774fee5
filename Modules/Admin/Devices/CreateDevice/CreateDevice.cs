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

namespace ZiyadMessenger.Modules.Admin.Devices.CreateDevice;

internal sealed record CreateDevice(string Name, string Kind, string Identifier, string? UserId, string? Notes, AdminActor Actor) : ICommand<DeviceView>;

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

internal sealed class CreateDeviceHandler(AdminDbContext db, ISender sender, IPublisher publisher, TimeProvider clock) : ICommandHandler<CreateDevice, DeviceView>
{
    public async ValueTask<DeviceView> Handle(CreateDevice command, CancellationToken cancellationToken)
    {
        var identifier = command.Identifier.Trim();
        if (await db.Devices.AnyAsync(d => d.Identifier == identifier, cancellationToken))
        {
            throw AppException.Conflict(DeviceRules.Conflict(identifier));
        }

        await DeviceRules.EnsureUserExistsAsync(sender, command.UserId, cancellationToken);
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
        await db.CommitAsync(DeviceRules.Conflict(identifier), "The device was removed meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.create", $"device:{device.Id}", $"name={device.Name} identifier={device.Identifier}", cancellationToken);
        return DeviceView.From(device);
    }
}

internal static class CreateDeviceEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/admin/devices", async Task<Created<DeviceView>> (JsonElement body, HttpContext http, ISender sender) =>
            {
                var json = JsonBody.Of(body);
                var device = await sender.Send(new CreateDevice(json.String("name") ?? "", json.String("kind") ?? "other", json.String("identifier") ?? "",
                    DeviceRules.Blank(json.String("user_id")), json.String("notes"), AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/devices/{device.Id}", device);
            })
            .RequirePermission(AdminPermission.DevicesWrite)
            .WithName("CreateDevice")
            .WithSummary("Registers a device; identifiers are unique case-insensitively.")
            .Accepts<DeviceBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
}
