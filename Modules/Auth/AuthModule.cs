using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Auth.ChangePassword;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Auth.Login;
using ZiyadMessenger.Modules.Auth.Logout;
using ZiyadMessenger.Modules.Auth.Profile;
using ZiyadMessenger.Modules.Auth.Register;
using ZiyadMessenger.Modules.Auth.Sessions;
using ZiyadMessenger.Modules.Auth.Users;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth;

/// <summary>Users: registration, login, tokens and their revocation, and the user directory other modules ask.</summary>
public sealed class AuthModule : IModule
{
    /// <summary>The Host's per-IP limiter policy for endpoints that check passwords.</summary>
    internal const string LoginRateLimitPolicy = "login";

    /// <summary>Auth's bodies are a few short strings; nothing legitimate comes near this.</summary>
    internal const long MaxBodyBytes = 16 * 1024;

    public string Name => ModuleNames.Auth;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddModuleDbContext<AuthDbContext, PostgresAuthDbContext>(context, ModuleNames.Auth);
        services.AddSingleton<UserTokenState>();
        services.AddSingleton<SessionSignals>();
        services.AddHostedService<SessionClusterSync>();
        services.AddKeyedSingleton(ModuleNames.Auth, (sp, _) =>
        {
            var options = sp.GetRequiredService<AuthOptions>();
            return new LoginLockout(options.LockoutFailures, options.LockoutDuration, sp.GetRequiredService<TimeProvider>(),
                new DbLoginLockoutStore<AuthDbContext>(sp.GetRequiredService<IServiceScopeFactory>()),
                shared: context.Store.IsPostgres, sp.GetRequiredService<ILeadership>());
        });
        services.AddScoped<UserStore>();
        services.AddSingleton<RevokedTokenPruner>();
        services.AddHostedService(sp => sp.GetRequiredService<RevokedTokenPruner>());
        services.AddHealthChecks()
            .AddStoreCheck(Name, "auth_users")
            .AddRunningCheck<RevokedTokenPruner>(Name, "revoked_token_pruner");
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        RegisterEndpoint.Map(endpoints);
        LoginEndpoint.Map(endpoints);
        MeEndpoint.Map(endpoints);
        LogoutEndpoint.Map(endpoints);
        ChangePasswordEndpoint.Map(endpoints);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AuthDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        await services.GetRequiredService<UserTokenState>().LoadAsync(db, cancellationToken);
        // Loads the lockouts that outlived the last run, and drops the ones that have run out.
        _ = services.GetRequiredKeyedService<LoginLockout>(ModuleNames.Auth);
    }
}
