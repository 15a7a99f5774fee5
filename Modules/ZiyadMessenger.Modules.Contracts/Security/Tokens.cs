using System.Security.Claims;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>The two kinds of bearer token. They are signed with the same key but never accepted for each other.</summary>
public enum TokenAudience
{
    User,
    Admin,
}

public sealed record TokenRequest(TokenAudience Audience, string SubjectId, string Username, string Role, int TokenVersion, TimeSpan Lifetime);

public sealed record IssuedToken(string Token, string TokenId, DateTimeOffset ExpiresAt);

/// <summary>Issues signed tokens with the key the Host keeps in the data directory.</summary>
public interface ITokenIssuer
{
    IssuedToken Issue(TokenRequest request);
}

public static class AuthPolicies
{
    /// <summary>A valid, unrevoked user token (Authorization: Bearer, or ?token= for WebSockets).</summary>
    public const string User = "user";
    /// <summary>A valid, unrevoked admin token whose role may act (super_admin or admin).</summary>
    public const string Admin = "admin";
    /// <summary>Only super_admin.</summary>
    public const string SuperAdmin = "super_admin";
    /// <summary>Either a user or an admin token.</summary>
    public const string AnyAccount = "any_account";
}

public static class AuthSchemes
{
    public const string User = "UserToken";
    public const string Admin = "AdminToken";
}

public static class ZiyadClaims
{
    public const string Subject = "sub";
    public const string Username = "name";
    public const string Role = "role";
    public const string TokenVersion = "tv";
    public const string TokenId = "jti";
    public const string ExpiresAt = "exp";
}

public static class ClaimsPrincipalExtensions
{
    public static string? FindUserId(this ClaimsPrincipal principal) => principal.FindFirstValue(ZiyadClaims.Subject);

    public static string UserId(this ClaimsPrincipal principal) =>
        principal.FindUserId() ?? throw new InvalidOperationException("The principal carries no subject.");

    public static string Username(this ClaimsPrincipal principal) => principal.FindFirstValue(ZiyadClaims.Username) ?? "";

    public static string Role(this ClaimsPrincipal principal) => principal.FindFirstValue(ZiyadClaims.Role) ?? "";

    public static string? TokenId(this ClaimsPrincipal principal) => principal.FindFirstValue(ZiyadClaims.TokenId);

    public static bool IsAdminToken(this ClaimsPrincipal principal) =>
        principal.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == AuthSchemes.Admin);
}
