using Microsoft.AspNetCore.Routing;

namespace ZiyadMessenger.Modules.Admin.Accounts;

/// <summary>Admin accounts: logging in and out, one's own account, and managing the others (one folder each).</summary>
internal static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        Login.AdminLoginEndpoint.Map(app);
        Me.GetOwnAccountEndpoint.Map(app);
        Logout.AdminLogoutEndpoint.Map(app);
        ChangeOwnPassword.ChangeOwnAdminPasswordEndpoint.Map(app);
        ListAdmins.ListAdminsEndpoint.Map(app);
        GetAdmin.GetAdminEndpoint.Map(app);
        CreateAdmin.CreateAdminEndpoint.Map(app);
        UpdateAdmin.UpdateAdminEndpoint.Map(app);
        DeleteAdmin.DeleteAdminEndpoint.Map(app);
    }
}
