using System.Security.Claims;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>The admin on whose behalf a command runs: the audit trail names them, and their role bounds what they may grant.</summary>
internal sealed record AdminActor(string Id, string Username, string Role = "")
{
    public static AdminActor From(ClaimsPrincipal principal) => new(principal.UserId(), principal.Username(), principal.Role());
}
