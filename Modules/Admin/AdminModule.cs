using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using ZiyadMessenger.Modules.Admin.Accounts;
using ZiyadMessenger.Modules.Admin.AuditLog;
using ZiyadMessenger.Modules.Admin.Channels.AddMember;
using ZiyadMessenger.Modules.Admin.Channels.Create;
using ZiyadMessenger.Modules.Admin.Channels.Delete;
using ZiyadMessenger.Modules.Admin.Channels.List;
using ZiyadMessenger.Modules.Admin.Channels.ListMembers;
using ZiyadMessenger.Modules.Admin.Channels.RemoveMember;
using ZiyadMessenger.Modules.Admin.Dashboard;
using ZiyadMessenger.Modules.Admin.Live;
using ZiyadMessenger.Modules.Admin.Monitoring;
using ZiyadMessenger.Modules.Admin.Public;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Departments.CreateDepartment;
using ZiyadMessenger.Modules.Admin.Departments.DeleteDepartment;
using ZiyadMessenger.Modules.Admin.Departments.ListDepartments;
using ZiyadMessenger.Modules.Admin.Departments.UpdateDepartment;
using ZiyadMessenger.Modules.Admin.Devices.CreateDevice;
using ZiyadMessenger.Modules.Admin.Devices.DeleteDevice;
using ZiyadMessenger.Modules.Admin.Devices.ListDevices;
using ZiyadMessenger.Modules.Admin.Devices.UpdateDevice;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Admin.Roles;
using ZiyadMessenger.Modules.Admin.Roles.CreateRole;
using ZiyadMessenger.Modules.Admin.Roles.DeleteRole;
using ZiyadMessenger.Modules.Admin.Roles.ListRoles;
using ZiyadMessenger.Modules.Admin.Roles.UpdateRole;
using ZiyadMessenger.Modules.Admin.Users.Create;
using ZiyadMessenger.Modules.Admin.Users.Delete;
using ZiyadMessenger.Modules.Admin.Users.List;
using ZiyadMessenger.Modules.Admin.Users.ResetPassword;
using ZiyadMessenger.Modules.Admin.Users.Update;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>
/// The Admin API and dashboard on the admin port: admin accounts (separate from users), the office's
/// users, channels, roles, departments and devices, audit browsing, monitoring and live events.
/// </summary>
public sealed class AdminModule : IModule
{
    public string Name => ModuleNames.Admin;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddModuleDbContext<AdminDbContext, PostgresAdminDbContext>(context, Name);
        services.AddSettings<AdminSettings, AdminSettingsValidator>(AdminSettings.Section);
        services.AddSingleton<AdminTokenRegistry>();
        services.AddHostedService<AdminTokenSync>();
        services.AddAdminPermissions();
        services.AddScoped<RoleHolders>();
        services.AddScoped<AdminAccountRules>();
        services.AddKeyedSingleton(ModuleNames.Admin, (sp, _) =>
        {
            var settings = sp.GetRequiredService<AdminSettings>();
            return new LoginLockout(settings.LockoutFailures, settings.LockoutWindow, sp.GetRequiredService<TimeProvider>(),
                new DbLoginLockoutStore<AdminDbContext>(sp.GetRequiredService<IServiceScopeFactory>()),
                shared: context.Store.IsPostgres, sp.GetRequiredService<ILeadership>());
        });
        services.AddScoped<MonitoringService>();
        services.AddSingleton<CpuSampler>();
        services.AddSingleton<LiveHub>();
        services.AddSingleton<LiveNames>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveNames>());
        services.AddHostedService<LiveTicker>();
        services.AddHealthChecks()
            .AddStoreCheck(Name, "admin_admins")
            .AddRunningCheck<LiveTicker>(Name, "live_ticker");
        services.AddSingleton<EndpointMetrics>();
        services.AddSingleton<IRequestObserver>(sp => sp.GetRequiredService<EndpointMetrics>());
        MetricsEndpoint.AddServices(services);
        // Process-wide metrics (every module's requests, the runtime), scraped from the admin port only.
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ziyad-messenger", serviceVersion: typeof(AdminModule).Assembly.GetName().Version?.ToString(3)))
            .WithMetrics(metrics => metrics
            .AddMeter(EndpointMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            // OpenTelemetry reserves every metric's series up front (2,000 by default): 48 metrics held
            // 8.5 MB of an idle server's 154 MB. Request metrics get room for every route, method and
            // status; the runtime's have a handful of series each. Past the limit, series are merged
            // into one overflow series rather than dropped.
            .AddView(instrument => new MetricStreamConfiguration
            {
                CardinalityLimit = instrument.Name is "http.server.request.duration" or "ziyad.request.duration" or "ziyad.requests" ? 1000 : 100,
            })
            .AddPrometheusExporter());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        AccountEndpoints.Map(endpoints);
        ListUsersEndpoint.Map(endpoints);
        CreateUserEndpoint.Map(endpoints);
        UpdateUserEndpoint.Map(endpoints);
        DeleteUserEndpoint.Map(endpoints);
        ResetUserPasswordEndpoint.Map(endpoints);
        ListRolesEndpoint.Map(endpoints);
        CreateRoleEndpoint.Map(endpoints);
        UpdateRoleEndpoint.Map(endpoints);
        DeleteRoleEndpoint.Map(endpoints);
        ListDepartmentsEndpoint.Map(endpoints);
        CreateDepartmentEndpoint.Map(endpoints);
        UpdateDepartmentEndpoint.Map(endpoints);
        DeleteDepartmentEndpoint.Map(endpoints);
        ListDevicesEndpoint.Map(endpoints);
        CreateDeviceEndpoint.Map(endpoints);
        UpdateDeviceEndpoint.Map(endpoints);
        DeleteDeviceEndpoint.Map(endpoints);
        ListChannelsEndpoint.Map(endpoints);
        CreateChannelEndpoint.Map(endpoints);
        DeleteChannelEndpoint.Map(endpoints);
        ListChannelMembersEndpoint.Map(endpoints);
        AddChannelMemberEndpoint.Map(endpoints);
        RemoveChannelMemberEndpoint.Map(endpoints);
        AuditEndpoints.Map(endpoints);
        MonitoringEndpoints.Map(endpoints);
        LiveEndpoints.Map(endpoints);
        PublicEndpoints.Map(endpoints);
        DashboardEndpoints.Map(endpoints);
        MetricsEndpoint.Map(endpoints);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AdminDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ZiyadMessenger.Admin");
        await AdminSeeder.SeedAsync(db, services.GetRequiredService<ZiyadMessenger.Modules.Contracts.Security.IPasswordHasher>(), services.GetRequiredService<AdminSettings>(), services.GetRequiredService<AdminTokenRegistry>(), logger, clock, cancellationToken);
        await RoleSeeder.SeedAsync(db, clock, cancellationToken);
        // Loads the lockouts that outlived the last run, and drops the ones that have run out.
        _ = services.GetRequiredKeyedService<LoginLockout>(ModuleNames.Admin);
    }
}
