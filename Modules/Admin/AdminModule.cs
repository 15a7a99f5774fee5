using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Admin.Accounts;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Organization;
using ZiyadMessenger.Modules.Admin.Users;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

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
        services.AddDbContext<AdminDbContext>(o => o.UseZiyadSqlite(context.Paths, Name));
        services.AddSingleton(AdminSettings.From(context.Configuration));
        services.AddSingleton<AdminTokenRegistry>();
        services.AddSingleton<AdminLoginThrottle>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => TypedResults.Ok(new { status = "ok", module = Name }));
        AccountEndpoints.Map(endpoints);
        UserEndpoints.Map(endpoints);
        OrganizationEndpoints.Map(endpoints);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AdminDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        var clock = services.GetRequiredService<TimeProvider>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ZiyadMessenger.Admin");
        await AdminSeeder.SeedAsync(db, services.GetRequiredService<ZiyadMessenger.Modules.Contracts.Security.IPasswordHasher>(), services.GetRequiredService<AdminSettings>(), services.GetRequiredService<AdminTokenRegistry>(), logger, clock, cancellationToken);
        await OrganizationSeeder.SeedAsync(db, clock, cancellationToken);
    }
}
