using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Files.Data;
using ZiyadMessenger.Modules.Files.Download;
using ZiyadMessenger.Modules.Files.Storage;
using ZiyadMessenger.Modules.Files.Upload;

namespace ZiyadMessenger.Modules.Files;

public sealed class FilesModule : IModule
{
    public string Name => ModuleNames.Files;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<FilesOptions, FilesOptionsValidator>(FilesOptions.Section);
        services.AddSingleton<FileStore>();
        services.AddModuleDbContext<FilesDbContext, PostgresFilesDbContext>(context, ModuleNames.Files);
        services.AddHostedService<OrphanSweeper>();
        services.AddHealthChecks()
            .AddStoreCheck(Name, "files_files")
            .AddCheck<DiskSpaceHealthCheck>(ModuleHealthChecks.CheckName(Name, "disk"), tags: [Name]);
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        UploadEndpoint.Map(endpoints, endpoints.ServiceProvider.GetRequiredService<FilesOptions>());
        DownloadEndpoint.Map(endpoints);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<FilesDbContext>().Database.MigrateAsync(cancellationToken);
        var store = services.GetRequiredService<FileStore>();
        Directory.CreateDirectory(store.Root);
        var removed = store.DeleteTempFiles();
        if (removed > 0)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger<FilesModule>()
                .LogWarning("Removed {Count} partial uploads left by an earlier run", removed);
        }
    }
}
