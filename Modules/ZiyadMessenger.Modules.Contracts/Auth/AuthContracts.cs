using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Auth;

/// <summary>A user as other modules see it. Never carries the password hash.</summary>
public sealed record UserInfo(
    string Id,
    string Username,
    string FullName,
    string Role,
    string? DepartmentId,
    bool IsActive,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastLoginAt);

public sealed record UserPage(IReadOnlyList<UserInfo> Users, int Total);

public sealed record UserStats(int Total, int Active, int LoggedInToday);

// Queries other modules ask Auth.
public sealed record GetUser(string UserId) : IQuery<UserInfo?>;
public sealed record GetUsers(IReadOnlyCollection<string> UserIds) : IQuery<IReadOnlyList<UserInfo>>;
/// <summary>The users with these usernames (compared case-insensitively); unknown names are left out.</summary>
public sealed record GetUsersByUsernames(IReadOnlyCollection<string> Usernames) : IQuery<IReadOnlyList<UserInfo>>;
public sealed record ListUsers(string? Search, int Offset, int Limit, bool IncludeInactive = true) : IQuery<UserPage>;
public sealed record GetUserStats : IQuery<UserStats>;

// Commands Admin sends Auth. ActorId is the admin acting, for the audit trail.
public sealed record CreateUser(string Username, string FullName, string Password, string Role, string? DepartmentId, string ActorId) : ICommand<UserInfo>;
public sealed record UpdateUser(string UserId, string? FullName, string? Role, string? DepartmentId, bool? IsActive, string ActorId, bool ClearDepartment = false) : ICommand<UserInfo>;
public sealed record DeleteUser(string UserId, string ActorId) : ICommand;
/// <summary>Sets a fresh random temporary password and ends all the user's sessions; returns the password once.</summary>
public sealed record ResetUserPassword(string UserId, string ActorId) : ICommand<string>;

// What Auth tells the rest of the system. Published after the change is committed.
public sealed record UserRegistered(string UserId, string Username, string Role, string? ClientIp) : INotification;
public sealed record LoginSucceeded(string UserId, string Username, string? ClientIp) : INotification;
public sealed record LoginFailed(string Username, string Reason, string? ClientIp) : INotification;
public sealed record PasswordChanged(string UserId) : INotification;
public sealed record LoggedOut(string UserId) : INotification;
public sealed record UserCreated(UserInfo User, string ActorId) : INotification;
public sealed record UserUpdated(UserInfo User, string ActorId) : INotification;
public sealed record UserDeleted(string UserId, string Username, string ActorId) : INotification;
public sealed record UserPasswordReset(string UserId, string ActorId) : INotification;

/// <summary>
/// Every token the user held before this moment is dead (password change or reset, deactivation,
/// deletion, role change). Messaging closes the user's sockets when it hears this.
/// </summary>
/// <param name="KeptTokenId">
/// The one token that keeps working, if any: after a password change, the token that made the change
/// (its sockets may stay open). Null when every token ended.
/// </param>
public sealed record UserSessionsRevoked(string UserId, string Reason, string? KeptTokenId = null) : INotification;

/// <summary>
/// One token ended (a logout), on this node or another: Messaging closes the sockets opened with it at
/// once. Not an audited action (<see cref="LoggedOut"/> is, on the node where it happened).
/// </summary>
public sealed record UserTokenRevoked(string UserId, string TokenId) : INotification;

/// <summary>
/// A user changed on another node of the cluster (null: deleted there): only caches listen. The audited
/// notifications (<see cref="UserUpdated"/>, <see cref="UserDeleted"/>, ...) are published on the node
/// where the change was made, once.
/// </summary>
public sealed record UserRefreshed(string UserId, UserInfo? User) : INotification;
