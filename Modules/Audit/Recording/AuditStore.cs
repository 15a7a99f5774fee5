using System.Data.Common;
using ZiyadMessenger.Modules.Contracts.Audit;

namespace ZiyadMessenger.Modules.Audit.Recording;

/// <summary>Something to record, before it has a place in the chain.</summary>
internal sealed record AuditRecord(DateTimeOffset Timestamp, string ActorId, string Action, string TargetResource, string Details);

/// <summary>Where entries are kept. Only the background writer appends; reads go through the query handlers.</summary>
internal interface IAuditStore
{
    /// <summary>
    /// Appends the records in order in one transaction, continuing the chain from the last stored entry.
    /// Either all are stored or none (an exception then says why, and the caller may try again).
    /// </summary>
    Task<IReadOnlyList<AuditEntryInfo>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);
}

/// <summary>Reads the whole chain for verification, one implementation per store.</summary>
internal interface IAuditChainReader
{
    /// <summary>
    /// Hands <paramref name="walk"/> every stored entry in id order, from one consistent snapshot while
    /// writers keep appending (columns: id, timestamp_ms, actor_id, action, target_resource, details,
    /// prev_hash, hash), with the id of the last entry the writers are known to have committed (0 when
    /// none is known), so that entries removed from the end can be told from entries never written.
    /// </summary>
    Task<T> ReadAsync<T>(Func<DbDataReader, long, Task<T>> walk, CancellationToken cancellationToken);
}
