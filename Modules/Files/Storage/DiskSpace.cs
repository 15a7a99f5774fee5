using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ZiyadMessenger.Modules.Files.Storage;

/// <summary>How much free disk the files directory needs before Files reports itself unhealthy.</summary>
internal sealed class FilesDiskOptions
{
    public const string Section = "ZiyadMessenger:Files";

    /// <summary>Below this many free bytes where files are stored, <c>/health</c> on the Files port answers 503.</summary>
    public long MinFreeDiskBytes { get; set; } = 256L * 1024 * 1024;

    internal sealed class Validator : IValidateOptions<FilesDiskOptions>
    {
        public ValidateOptionsResult Validate(string? name, FilesDiskOptions options) =>
            options.MinFreeDiskBytes < 0
                ? ValidateOptionsResult.Fail($"{Section}:MinFreeDiskBytes: must be 0 or more (it is {options.MinFreeDiskBytes}).")
                : ValidateOptionsResult.Success;
    }
}

/// <summary>Enough free space on the disk that holds the uploaded files for uploads to go on.</summary>
internal sealed class DiskSpaceHealthCheck(FileStore store, IOptions<FilesDiskOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var needed = options.Value.MinFreeDiskBytes;
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
