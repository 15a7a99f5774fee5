using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Devices.DeleteDevice;

internal sealed record DeleteDevice(string DeviceId, AdminActor Actor) : ICommand;

internal sealed class DeleteDeviceHandler(AdminDbContext db, IPublisher publisher) : ICommandHandler<DeleteDevice>
{
    public async ValueTask<Unit> Handle(DeleteDevice command, CancellationToken cancellationToken)
    {
        var device = await db.Devices.FirstOrDefaultAsync(d => d.Id == command.DeviceId, cancellationToken) ?? throw DeviceRules.NotFound(command.DeviceId);
        db.Devices.Remove(device);
        await db.CommitAsync(DeviceRules.Conflict(device.Identifier), "The device was deleted meanwhile.", cancellationToken);
        await publisher.AdminAction(command.Actor, "admin.device.delete", $"device:{device.Id}", $"name={device.Name}", cancellationToken);
        return Unit.Value;
    }
}

internal static class DeleteDeviceEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapDelete("/admin/devices/{id}", async Task<NoContent> (string id, HttpContext http, ISender sender) =>
            {
                await sender.Send(new DeleteDevice(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.DevicesWrite)
            .WithName("DeleteDevice")
            .WithSummary("Removes a device.")
            .ProducesProblem(StatusCodes.Status404NotFound);
}
