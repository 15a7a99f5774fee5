namespace ZiyadMessenger.Modules.Admin.Permissions;

/// <summary>
/// What an admin may do. Every Admin API endpoint names the one it needs (see <see cref="PermissionEndpointExtensions.RequirePermission{TBuilder}"/>);
/// an admin whose role lacks it gets 403. The list is fixed: a typo in a role is a 400, never a dead permission.
/// </summary>
internal static class AdminPermission
{
    public const string UsersRead = "users.read";
    public const string UsersWrite = "users.write";
    public const string ChannelsRead = "channels.read";
    public const string ChannelsWrite = "channels.write";
    public const string RolesRead = "roles.read";
    public const string RolesWrite = "roles.write";
    public const string DepartmentsRead = "departments.read";
    public const string DepartmentsWrite = "departments.write";
    public const string DevicesRead = "devices.read";
    public const string DevicesWrite = "devices.write";
    public const string AdminsRead = "admins.read";
    public const string AdminsWrite = "admins.write";
    public const string AuditRead = "audit.read";
    public const string MonitoringRead = "monitoring.read";
    public const string SystemRead = "system.read";

    public static readonly IReadOnlyList<string> All =
    [
        UsersRead, UsersWrite, ChannelsRead, ChannelsWrite, RolesRead, RolesWrite, DepartmentsRead, DepartmentsWrite,
        DevicesRead, DevicesWrite, AdminsRead, AdminsWrite, AuditRead, MonitoringRead, SystemRead,
    ];

    public static bool IsAdminPermission(string permission) => All.Contains(permission, StringComparer.Ordinal);
}

/// <summary>
/// The built-in admin roles and what they hold. Any other role an admin account has is a row of the
/// roles table (<c>admin_roles</c>), and its admin permissions are the ones listed in that row.
/// </summary>
internal static class AdminRoles
{
    /// <summary>Everything, including managing admins.</summary>
    public const string SuperAdmin = "super_admin";
    /// <summary>Runs the office: everything except admin accounts.</summary>
    public const string Admin = "admin";
    /// <summary>May log in and read its own account, nothing else.</summary>
    public const string Viewer = "viewer";

    public static readonly IReadOnlyList<string> BuiltIn = [SuperAdmin, Admin, Viewer];

    private static readonly IReadOnlySet<string> SuperAdminGrants = AdminPermission.All.ToHashSet(StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> AdminGrants =
        AdminPermission.All.Where(p => p is not (AdminPermission.AdminsRead or AdminPermission.AdminsWrite)).ToHashSet(StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> ViewerGrants = new HashSet<string>(StringComparer.Ordinal);

    public static bool IsBuiltIn(string role) => BuiltIn.Contains(role, StringComparer.OrdinalIgnoreCase);

    /// <summary>The permissions of a built-in role; null for a role of the roles table.</summary>
    public static IReadOnlySet<string>? GrantsOf(string role) => role switch
    {
        SuperAdmin => SuperAdminGrants,
        Admin => AdminGrants,
        Viewer => ViewerGrants,
        _ => null,
    };
}
