using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZiyadMessenger.Modules.Files.Storage;

/// <summary>Enough free space on the disk that holds the uploaded files for uploads to go on.</summary>
internal sealed class DiskSpaceHealthCheck(FileStore store, FilesOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var needed = options.MinFreeDiskBytes;
        long free;
        try
        {
            free = new DriveInfo(Path.GetFullPath(store.Root)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The free space of the files directory's disk cannot be read.", e));
        }

        var data = new Dictionary<string, object> { ["free_bytes"] = free, ["min_free_bytes"] = needed };
        return Task.FromResult(free < needed
            ? HealthCheckResult.Unhealthy($"{free / (1 << 20)} MiB free for files, below the {needed / (1 << 20)} MiB required.", data: data)
            : HealthCheckResult.Healthy($"{free / (1 << 20)} MiB free for files.", data));
    }
}
