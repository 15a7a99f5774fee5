using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>
/// The token version of every admin account, in memory, so the Host's check on each request costs a
/// dictionary lookup. The database holds the same numbers; they are loaded at start-up and written
/// through (database first) on every change, so a revoked token stays revoked after a restart. A change
/// made here is signalled to the other nodes (<see cref="AdminTokenSync"/>), which re-read the account.
/// </summary>
internal sealed class AdminTokenRegistry(IClusterBus bus, ILogger<AdminTokenRegistry> logger)
{
    public const string Topic = "admin-tokens";

    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);

    public void Set(string adminId, int version)
    {
        if (!_versions.TryGetValue(adminId, out var current) || current != version)
        {
            _versions[adminId] = version;
            Signal(adminId);
        }
    }

    public void Remove(string adminId)
    {
        _versions.TryRemove(adminId, out _);
        Signal(adminId);
    }

    public bool IsValid(string adminId, int version) =>
        _versions.TryGetValue(adminId, out var current) && current == version;

    /// <summary>What the database says now, heard from another node: applied here only, not signalled again.</summary>
    public void Apply(string adminId, int? version)
    {
        if (version is { } v)
        {
            _versions[adminId] = v;
        }
        else
        {
            _versions.TryRemove(adminId, out _);
        }
    }

    /// <summary>Every account's version as the database holds it (after the listener reconnects).</summary>
    public void ApplyAll(IReadOnlyDictionary<string, int> versions)
    {
        foreach (var (id, version) in versions)
        {
            _versions[id] = version;
        }

        foreach (var id in _versions.Keys)
        {
            if (!versions.ContainsKey(id))
            {
                _versions.TryRemove(id, out _);
            }
        }
    }

    private void Signal(string adminId)
    {
        if (!bus.IsClustered)
        {
            return;
        }

        _ = SendAsync(adminId);
    }

    private async Task SendAsync(string adminId)
    {
        try
        {
            await bus.PublishAsync(Topic, adminId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not tell the other nodes that admin {AdminId}'s tokens changed", adminId);
        }
    }
}

internal sealed class ValidateAdminTokenHandler(AdminTokenRegistry registry) : IQueryHandler<ValidateAdminToken, bool>
{
    public ValueTask<bool> Handle(ValidateAdminToken query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.IsValid(query.AdminId, query.TokenVersion));
}
