using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Live;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>
/// Keeps this node's admin token versions in step with the others: a signal names an account, which is
/// re-read (gone: its tokens end); after the listener (re)connects every account is re-read. Live
/// dashboard sockets of a revoked admin close at once, as on the node where it happened.
/// </summary>
internal sealed class AdminTokenSync(IClusterBus bus, AdminTokenRegistry registry, LiveHub live, IServiceScopeFactory scopes) : ClusterTopicSubscriber(bus)
{
    protected override string Topic => AdminTokenRegistry.Topic;

    protected override async ValueTask OnSignalAsync(ClusterSignal signal, CancellationToken cancellationToken)
    {
        var adminId = signal.Payload;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var version = await db.Admins.AsNoTracking().Where(a => a.Id == adminId).Select(a => (int?)a.TokenVersion).FirstOrDefaultAsync(cancellationToken);
        registry.Apply(adminId, version);
        live.DropRevoked();
    }

    protected override async ValueTask ResynchronizeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AdminDbContext>();
        var versions = await db.Admins.AsNoTracking().ToDictionaryAsync(a => a.Id, a => a.TokenVersion, StringComparer.Ordinal, cancellationToken);
        registry.ApplyAll(versions);
        live.DropRevoked();
    }
}
