using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>
/// Asked by the Host for every authenticated request: is this user token still good? Auth answers from
/// memory (token versions and revoked token ids), so a password change, reset, deactivation or
/// deletion takes effect on the next request.
/// </summary>
public sealed record ValidateUserToken(string UserId, int TokenVersion, string TokenId) : IQuery<bool>;

/// <summary>The same question for admin tokens, answered by Admin.</summary>
public sealed record ValidateAdminToken(string AdminId, int TokenVersion, string TokenId) : IQuery<bool>;
