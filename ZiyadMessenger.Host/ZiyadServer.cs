using System.Net;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Host.Bus;
using ZiyadMessenger.Host.Cluster;
using ZiyadMessenger.Host.Errors;
using ZiyadMessenger.Host.Hosting;
using ZiyadMessenger.Host.Observability;
using ZiyadMessenger.Host.Operations;
using ZiyadMessenger.Host.Security;
using ZiyadMessenger.Modules.Admin;
using ZiyadMessenger.Modules.Audit;
using ZiyadMessenger.Modules.Auth;
using ZiyadMessenger.Modules.Cluster;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Files;
using ZiyadMessenger.Modules.Messaging;
using ZiyadMessenger.Modules.Presence;

namespace ZiyadMessenger.Host;

/// <summary>Builds and runs the one process: seven modules, seven listeners, one bus, one database.</summary>
internal static class ZiyadServer
{
    /// <summary>The seven modules, listed explicitly: no scanning decides what the server runs.</summary>
    public static IModule[] CreateModules() =>
    [
        new AdminModule(),
        new AuthModule(),
        new MessagingModule(),
        new FilesModule(),
        new PresenceModule(),
        new AuditModule(),
        new ClusterModule(),
    ];

    /// <param name="configureServices">
    /// Runs after every module registered its services; tests use it to put a decorator in front of a
    /// store (a slow or failing audit store) while the rest of the server stays real.
    /// </param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder.Configuration);

        var settings = ServerSettings.From(builder.Configuration);
        builder.AddZiyadOperations(settings);
        var paths = new StorePaths(settings.DataDirectory);
        Directory.CreateDirectory(paths.DataDirectory);

        builder.AddZiyadLogging(paths);
        builder.Host.UseDefaultServiceProvider(o => o.ValidateScopes = true);
        builder.Services.AddSettings<ServerLimits, ServerLimitsValidator>(ServerSettings.Section);
        builder.Services.AddOptions<HostOptions>().Configure<ServerLimits>((o, limits) =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(limits.ShutdownTimeoutSeconds));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Limits are per endpoint (BodySizeLimitMiddleware); uploads may be large, JSON bodies may not.
            kestrel.Limits.MaxRequestBodySize = null;
            // A long query string (a 10,000-character search) must reach the endpoint, which answers a clear 400, not Kestrel's bare 414.
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            var address = ParseBindAddress(settings.BindAddress);
            foreach (var (_, port) in settings.Ports)
            {
                kestrel.Listen(address, port);
            }
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(paths);
        var store = StoreOptions.From(builder.Configuration);
        // The store decides which DbContexts the modules register and where the signing key is read
        // from, both before the options pattern would validate it on start: checked here, same one line.
        if (new StoreOptionsValidator().Validate(store) is { IsValid: false } storeCheck)
        {
            throw new ConfigurationException($"{StoreOptions.Section}:{storeCheck.Errors[0].PropertyName}", storeCheck.Errors[0].ErrorMessage);
        }

        services.AddSettings<StoreOptions, StoreOptionsValidator>(StoreOptions.Section);
        services.AddSingleton<StoreConnections>();
        if (store.IsPostgres)
        {
            services.AddSingleton(_ => PostgresStore.CreateDataSource(store.ConnectionString!));
        }
        // One node alone on SQLite; on PostgreSQL the nodes hear each other on LISTEN/NOTIFY (its listener
        // starts after every module's services, so their subscriptions are in place for the first resync).
        if (store.IsPostgres)
        {
            services.AddSingleton<PostgresClusterBus>();
            services.AddSingleton<IClusterBus>(sp => sp.GetRequiredService<PostgresClusterBus>());
            services.AddHealthChecks().Add(new HealthCheckRegistration(
                ModuleHealthChecks.CheckName(ModuleNames.Cluster, "bus"),
                sp => new ClusterBusHealthCheck(sp.GetRequiredService<PostgresClusterBus>(), sp.GetRequiredService<TimeProvider>()),
                HealthStatus.Unhealthy,
                [ModuleNames.Cluster],
                TimeSpan.FromSeconds(5)));
        }
        else
        {
            services.AddSingleton<IClusterBus, SingleNodeBus>();
        }

        services.AddSingleton<ILeadership, AlwaysLeader>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ModulePortMap>();
        services.AddSingleton(new ModulePorts(settings.Ports));
        services.AddZiyadCors();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ModuleListenerMatcherPolicy>());
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddContractProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddZiyadRateLimiting();
        services.AddZiyadAuthentication(SigningKeyStore.LoadOrCreate(paths, store));

        services.AddMediator((MediatorOptions options) =>
        {
            options.ServiceLifetime = ServiceLifetime.Scoped;
            options.NotificationPublisherType = typeof(ResilientNotificationPublisher);
            options.Assemblies =
            [
                typeof(ModuleNames),
                typeof(AdminModule),
                typeof(AuthModule),
                typeof(MessagingModule),
                typeof(FilesModule),
                typeof(PresenceModule),
                typeof(AuditModule),
                typeof(ClusterModule),
            ];
            options.PipelineBehaviors = [typeof(LoggingBehavior<,>), typeof(ValidationBehavior<,>)];
        });

        var modules = CreateModules();
        services.AddHealthChecks();
        services.AddModuleApiDescriptions(modules.Select(m => m.Name));
        var context = new ModuleContext(builder.Configuration, paths, store);
        foreach (var module in modules)
        {
            module.AddServices(services, context);
            services.AddValidatorsFromAssembly(module.GetType().Assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        }

        if (store.IsPostgres)
        {
            services.AddHostedService(sp => sp.GetRequiredService<PostgresClusterBus>());
        }

        configureServices?.Invoke(services);

        var app = builder.Build();
        app.UseForwardedHeaders();
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<AccessLogMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseCors();
        app.UseMiddleware<BodySizeLimitMiddleware>();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<JsonBodyMiddleware>();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });

        foreach (var module in modules)
        {
            var group = app.MapGroup("").WithMetadata(new ModuleEndpointMetadata(module.Name));
            module.MapEndpoints(group);
            group.MapModuleHealth(module.Name);
            group.MapApiDescription(module.Name);
            ((IEndpointConventionBuilder)group).Finally(endpoint =>
            {
                // The reference groups operations by tag: an endpoint that names none is listed under its module.
                if (!endpoint.Metadata.OfType<Microsoft.AspNetCore.Http.Metadata.ITagsMetadata>().Any())
                {
                    endpoint.Metadata.Add(new TagsAttribute(module.Name));
                }

                // The API description lists only endpoints that carry a handler method: a plain request
                // delegate (the WebSocket, the health checks, the Prometheus exporter) gets its own.
                if (endpoint.RequestDelegate is { } handler && !endpoint.Metadata.OfType<System.Reflection.MethodInfo>().Any())
                {
                    endpoint.Metadata.Add(handler.Method);
                }
            });
        }

        return app;
    }

    /// <summary>Prepares the store (WAL, each module's migrations and seed data) before any listener opens.</summary>
    public static async Task InitializeAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        // Every module's settings are checked before the store is touched: a bad value migrates nothing.
        app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        var paths = app.Services.GetRequiredService<StorePaths>();
        var store = app.Services.GetRequiredService<StoreOptions>();
        if (!store.IsPostgres)
        {
            SqliteStore.EnableWal(paths);
            await DataFormat.BeforeMigrationsAsync(app.Services, cancellationToken);
        }

        foreach (var module in CreateModules())
        {
            await using var scope = app.Services.CreateAsyncScope();
            await module.InitializeAsync(scope.ServiceProvider, cancellationToken);
        }

        if (!store.IsPostgres)
        {
            DataFormat.AfterMigrations(app.Services);
        }
    }

    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        // Settings bound with the options pattern are validated before the store is touched, and before the
        // generic host would log the failure with its stack trace: a bad one is the one-line error.
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        await InitializeAsync(app, cancellationToken);
        await app.StartAsync(cancellationToken);
        var settings = app.Services.GetRequiredService<ServerSettings>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ZiyadMessenger");
        foreach (var (module, port) in settings.Ports)
        {
            logger.LogInformation("{Module,-9} listening on http://{Address}:{Port}", module, settings.BindAddress, port);
        }

        logger.LogInformation("Ziyad Messenger is ready. Data directory: {DataDirectory}", settings.DataDirectory);
    }

    public static void ConfigureJson(JsonOptions options)
    {
        options.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        options.SerializerOptions.DictionaryKeyPolicy = null;
        options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
    }

    private static IPAddress ParseBindAddress(string value) => value switch
    {
        "0.0.0.0" or "*" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ when IPAddress.TryParse(value, out var address) => address,
        _ => throw new ConfigurationException($"{ServerSettings.Section}:BindAddress", $"'{value}' is not an IP address."),
    };
}
