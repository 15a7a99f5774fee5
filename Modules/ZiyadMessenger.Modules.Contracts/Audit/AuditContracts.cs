using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Audit;

public sealed record AuditEntryInfo(
    long Id,
    DateTimeOffset Timestamp,
    string ActorId,
    string Action,
    string TargetResource,
    string Details,
    string Hash,
    string PreviousHash);

public sealed record AuditPage(IReadOnlyList<AuditEntryInfo> Entries, long Total);

public sealed record AuditVerification(bool Intact, long Checked, long? BrokenAtId, string? Problem);

public sealed record QueryAuditLog(string? ActorId, string? Action, DateTimeOffset? From, DateTimeOffset? To, int Offset, int Limit) : IQuery<AuditPage>;
public sealed record VerifyAuditChain : IQuery<AuditVerification>;
