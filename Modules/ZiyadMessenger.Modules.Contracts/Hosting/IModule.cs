using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ZiyadMessenger.Modules.Contracts.Hosting;

/// <summary>
/// One of the seven modules. The Host lists them explicitly, gives each its own listener, and maps
/// each module's endpoints into a route group that only answers on that module's port.
/// </summary>
public interface IModule
{
    /// <summary>The module's name, as used in configuration (<c>ZiyadMessenger:Ports:{Name}</c>).</summary>
    string Name { get; }

    void AddServices(IServiceCollection services, ModuleContext context);

    void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>Runs once at start-up, before the listeners accept traffic: migrations, seed data.</summary>
    Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>What a module needs to know while it registers its services: settings, where files live, which store.</summary>
public sealed record ModuleContext(IConfiguration Configuration, StorePaths Paths, ZiyadMessenger.Modules.Contracts.Persistence.StoreOptions Store);

/// <summary>
/// Where the server keeps its state: everything under one data directory, except the uploaded files'
/// bytes when <c>ZiyadMessenger:Files:Directory</c> puts them elsewhere (storage every node shares).
/// </summary>
/// <param name="FilesDirectorySetting">The <c>Files:Directory</c> setting as given; empty means <c>&lt;data&gt;/files</c>.</param>
public sealed record StorePaths(string DataDirectory, string? FilesDirectorySetting = null)
{
    public const string FilesDirectoryKey = "ZiyadMessenger:Files:Directory";

    public string DatabaseFile => Path.Combine(DataDirectory, "ziyad.db");

    public string FilesDirectory => string.IsNullOrWhiteSpace(FilesDirectorySetting)
        ? Path.Combine(DataDirectory, "files")
        : Path.GetFullPath(FilesDirectorySetting.Trim());

    /// <summary>True when the files live outside the data directory (shared storage, backed up on its own).</summary>
    public bool FilesOutsideDataDirectory => !string.IsNullOrWhiteSpace(FilesDirectorySetting)
        && !FilesDirectory.StartsWith(Path.TrimEndingDirectorySeparator(DataDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public string KeysDirectory => Path.Combine(DataDirectory, "keys");
    public string LogsDirectory => Path.Combine(DataDirectory, "logs");
}

public static class ModuleNames
{
    public const string Admin = "Admin";
    public const string Auth = "Auth";
    public const string Messaging = "Messaging";
    public const string Files = "Files";
    public const string Presence = "Presence";
    public const string Audit = "Audit";
    public const string Cluster = "Cluster";

    public static readonly IReadOnlyList<string> All = [Admin, Auth, Messaging, Files, Presence, Audit, Cluster];
}

/// <summary>Endpoint metadata naming the module an endpoint belongs to; routing uses it to pick by listener.</summary>
public sealed record ModuleEndpointMetadata(string Module);

/// <summary>Endpoint metadata overriding the default request body limit (413 above it).</summary>
public sealed record BodySizeLimitMetadata(long? MaxBytes);
