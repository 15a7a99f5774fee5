using System.Collections.Concurrent;
using Mediator;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>
/// The token version of every admin account, in memory, so the Host's check on each request costs a
/// dictionary lookup. The database holds the same numbers; they are loaded at start-up and written
/// through (database first) on every change, so a revoked token stays revoked after a restart.
/// </summary>
internal sealed class AdminTokenRegistry
{
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);

    public void Set(string adminId, int version) => _versions[adminId] = version;

    public void Remove(string adminId) => _versions.TryRemove(adminId, out _);

    public bool IsValid(string adminId, int version) =>
        _versions.TryGetValue(adminId, out var current) && current == version;
}

internal sealed class ValidateAdminTokenHandler(AdminTokenRegistry registry) : IQueryHandler<ValidateAdminToken, bool>
{
    public ValueTask<bool> Handle(ValidateAdminToken query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(registry.IsValid(query.AdminId, query.TokenVersion));
}
