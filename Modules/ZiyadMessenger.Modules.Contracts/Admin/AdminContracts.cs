using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Admin;

/// <summary>Something an admin did, for the audit trail (the actor is the admin's id).</summary>
public sealed record AdminActionPerformed(string AdminId, string AdminUsername, string Action, string TargetResource, string Details) : INotification;

public sealed record AdminLoginSucceeded(string AdminId, string Username, string? ClientIp) : INotification;
public sealed record AdminLoginFailed(string Username, string Reason, string? ClientIp) : INotification;
