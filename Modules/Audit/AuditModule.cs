using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Audit.Log;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Audit.Recording.Postgres;
using ZiyadMessenger.Modules.Audit.Recording.Sqlite;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Audit;

/// <summary>
/// The tamper-evident audit log (CONTRACT §5): entries from clients (POST /log) and from every module's
/// notifications, appended by one background writer into a hash chain; admins read and verify it.
/// </summary>
public sealed class AuditModule : IModule
{
    public string Name => ModuleNames.Audit;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<AuditOptions, AuditOptionsValidator>(AuditOptions.Section);
        services.AddModuleDbContext<AuditDbContext, PostgresAuditDbContext>(context, ModuleNames.Audit);
        if (context.Store.IsPostgres)
        {
            services.AddSingleton<IAuditStore, PostgresAuditStore>();
            services.AddSingleton<IAuditChainReader, PostgresAuditChainReader>();
        }
        else
        {
            services.AddSingleton<IAuditStore, SqliteAuditStore>();
            services.AddSingleton<IAuditChainReader, SqliteAuditChainReader>();
        }

        services.AddSingleton<AuditWriter>();
        services.AddSingleton<IAuditRecorder>(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddHealthChecks()
            .AddStoreCheck(Name, AuditDbContext.EntriesTable)
            .AddRunningCheck<AuditWriter>(Name, "audit_writer");
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRecordEntry();
        endpoints.MapQueryLog();
        endpoints.MapVerifyChain();
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<AuditDbContext>().Database.MigrateAsync(cancellationToken);
    }
}

internal sealed class AuditOptionsValidator : AbstractValidator<AuditOptions>
{
    public AuditOptionsValidator()
    {
        RuleFor(o => o.QueueCapacity).InclusiveBetween(1, 10_000_000)
            .WithMessage("'{PropertyValue}' is not between 1 and 10000000 entries.");
        RuleFor(o => o.MaxBatch).InclusiveBetween(1, 100_000)
            .WithMessage("'{PropertyValue}' is not between 1 and 100000 entries.");
    }
}
