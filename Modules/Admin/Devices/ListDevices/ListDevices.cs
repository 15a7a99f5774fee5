using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;

namespace ZiyadMessenger.Modules.Admin.Devices.ListDevices;

internal sealed record ListDevices : IQuery<IReadOnlyList<DeviceView>>;

internal sealed record DeviceList(IReadOnlyList<DeviceView> Devices, IReadOnlyList<string> Kinds);

internal sealed class ListDevicesHandler(AdminDbContext db) : IQueryHandler<ListDevices, IReadOnlyList<DeviceView>>
{
    public async ValueTask<IReadOnlyList<DeviceView>> Handle(ListDevices query, CancellationToken cancellationToken) =>
        (await db.Devices.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Select(DeviceView.From).ToList();
}

internal static class ListDevicesEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/devices", async Task<Ok<DeviceList>> (ISender sender, CancellationToken ct) =>
                TypedResults.Ok(new DeviceList(await sender.Send(new ListDevices(), ct), DeviceKinds.All)))
            .RequirePermission(AdminPermission.DevicesRead)
            .WithName("ListDevices")
            .WithSummary("Lists the registered devices and the kinds a device may be.");
}
