using Microsoft.AspNetCore.Authorization;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin;

internal static class AdminPolicies
{
    /// <summary>Any admin token, whatever its role: enough to see one's own account, not to act.</summary>
    public static readonly AuthorizationPolicy AnyAdminAccount =
        new AuthorizationPolicyBuilder(AuthSchemes.Admin).RequireAuthenticatedUser().Build();
}
