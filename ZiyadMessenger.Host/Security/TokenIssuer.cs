using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Host.Security;

/// <summary>HMAC-SHA256 JWTs signed with the data directory's key. The audience tells user and admin tokens apart.</summary>
internal sealed class TokenIssuer(SymmetricSecurityKey key, TimeProvider clock) : ITokenIssuer
{
    public const string Issuer = "ziyad-messenger";
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials = new(key, SecurityAlgorithms.HmacSha256);

    public static string AudienceOf(TokenAudience audience) => audience == TokenAudience.Admin ? "ziyad-admin" : "ziyad-user";

    public IssuedToken Issue(TokenRequest request)
    {
        var now = clock.GetUtcNow();
        var expires = now + request.Lifetime;
        var tokenId = Guid.NewGuid().ToString("N");
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = AudienceOf(request.Audience),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [ZiyadClaims.Subject] = request.SubjectId,
                [ZiyadClaims.Username] = request.Username,
                [ZiyadClaims.Role] = request.Role,
                [ZiyadClaims.TokenVersion] = request.TokenVersion,
                [ZiyadClaims.TokenId] = tokenId,
            },
        });
        return new IssuedToken(token, tokenId, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()));
    }
}
