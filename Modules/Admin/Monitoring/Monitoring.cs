using System.Diagnostics;
using System.Runtime.InteropServices;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Contracts.Presence;

namespace ZiyadMessenger.Modules.Admin.Monitoring;

internal sealed record NetworkSection(string? NodeId, int Nodes, int HealthyNodes, long UptimeSeconds, int OpenSockets, int ConnectedUsers);
internal sealed record UsersSection(int Total, int Active, int Online, int Busy, int Away, int ActiveToday, int ConnectedUsers, IReadOnlyList<int> OnlinePerMinuteLastHour);
internal sealed record MessagesSection(long Total, long LastHour, long Today, IReadOnlyList<int> PerMinuteLastHour);
internal sealed record FilesSection(long TotalFiles, long TotalBytes, long UploadsToday, long DownloadsToday, long TransfersToday, IReadOnlyList<int> TransfersPerMinuteLastHour);
internal sealed record SystemSection(
    string Version, string Runtime, string Os, string Architecture, string MachineName, int ProcessorCount,
    DateTimeOffset StartedAt, long UptimeSeconds, double CpuPercent, long WorkingSetBytes, long GcHeapBytes,
    long GcTotalPauseMs, int ThreadCount, long DataDirectoryFreeBytes);
internal sealed record Overview(NetworkSection? Network, UsersSection? Users, MessagesSection? Messages, FilesSection? Files, SystemSection System, IReadOnlyList<string> Unavailable);

internal sealed record HealthCheck(string Name, string Status, string Detail, double LatencyMs);
internal sealed record SystemHealth(string Status, DateTimeOffset CheckedAt, long UptimeSeconds, IReadOnlyList<HealthCheck> Checks);

/// <summary>Process CPU use, sampled in the background: one reading needs two points in time.</summary>
internal sealed class CpuSampler
{
    private readonly Lock _lock = new();
    private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long _lastTicks = Stopwatch.GetTimestamp();

    public double Percent { get; private set; }

    public void Sample()
    {
        lock (_lock)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var now = Stopwatch.GetTimestamp();
            var wall = Stopwatch.GetElapsedTime(_lastTicks, now);
            if (wall > TimeSpan.FromMilliseconds(200))
            {
                Percent = Math.Round(Math.Clamp((cpu - _lastCpu) / wall / Environment.ProcessorCount * 100, 0, 100), 1);
                _lastCpu = cpu;
                _lastTicks = now;
            }
        }
    }
}

/// <summary>
/// Gathers the monitoring numbers from the modules that own them. A module that cannot answer leaves
/// its section null and is named in <c>unavailable</c>; the rest of the page still works.
/// </summary>
internal sealed class MonitoringService(
    ISender sender, AdminDbContext db, StorePaths paths, CpuSampler cpu, TimeProvider clock, HealthCheckService healthChecks, ILogger<MonitoringService> logger)
{
    private static readonly DateTimeOffset ProcessStarted = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    public static long UptimeSeconds(TimeProvider clock) => (long)(clock.GetUtcNow() - ProcessStarted).TotalSeconds;

    public async Task<NetworkSection> NetworkAsync(CancellationToken cancellationToken)
    {
        var cluster = await sender.Send(new GetClusterStatus(), cancellationToken);
        var connections = await TryAsync(() => sender.Send(new GetConnectionStats(), cancellationToken).AsTask(), "connections");
        return new NetworkSection(cluster.NodeId, cluster.Total, cluster.Healthy, UptimeSeconds(clock), connections?.OpenSockets ?? 0, connections?.ConnectedUsers ?? 0);
    }

    public async Task<ClusterStatus> ClusterAsync(CancellationToken cancellationToken) =>
        await sender.Send(new GetClusterStatus(), cancellationToken);

    public async Task<UsersSection> UsersAsync(CancellationToken cancellationToken)
    {
        var users = await sender.Send(new GetUserStats(), cancellationToken);
        var presence = await TryAsync(() => sender.Send(new GetPresenceStats(), cancellationToken).AsTask(), "presence");
        var connections = await TryAsync(() => sender.Send(new GetConnectionStats(), cancellationToken).AsTask(), "connections");
        return new UsersSection(users.Total, users.Active, presence?.Online ?? 0, presence?.Busy ?? 0, presence?.Away ?? 0, users.LoggedInToday,
            connections?.ConnectedUsers ?? 0, presence?.OnlinePerMinuteLastHour ?? []);
    }

    public async Task<MessagesSection> MessagesAsync(CancellationToken cancellationToken)
    {
        var stats = await sender.Send(new GetMessageStats(), cancellationToken);
        return new MessagesSection(stats.Total, stats.LastHour, stats.Today, stats.PerMinuteLastHour);
    }

    public async Task<FilesSection> FilesAsync(CancellationToken cancellationToken)
    {
        var stats = await sender.Send(new GetFileStats(), cancellationToken);
        return new FilesSection(stats.TotalFiles, stats.TotalBytes, stats.UploadsToday, stats.DownloadsToday,
            stats.UploadsToday + stats.DownloadsToday, stats.TransfersPerMinuteLastHour);
    }

    public SystemSection System()
    {
        cpu.Sample();
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return new SystemSection(
            typeof(MonitoringService).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(),
            Environment.MachineName,
            Environment.ProcessorCount,
            ProcessStarted,
            UptimeSeconds(clock),
            cpu.Percent,
            process.WorkingSet64,
            GC.GetTotalMemory(false),
            (long)GC.GetTotalPauseDuration().TotalMilliseconds,
            process.Threads.Count,
            FreeBytes());
    }

    public async Task<Overview> OverviewAsync(CancellationToken cancellationToken)
    {
        var unavailable = new List<string>();
        var network = await SectionAsync(() => NetworkAsync(cancellationToken), "network", unavailable);
        var users = await SectionAsync(() => UsersAsync(cancellationToken), "users", unavailable);
        var messages = await SectionAsync(() => MessagesAsync(cancellationToken), "messages", unavailable);
        var files = await SectionAsync(() => FilesAsync(cancellationToken), "files", unavailable);
        return new Overview(network, users, messages, files, System(), unavailable);
    }

    public async Task<SystemHealth> HealthAsync(CancellationToken cancellationToken)
    {
        var checks = new List<HealthCheck>
        {
            await CheckAsync("database", async () =>
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
                return "SQLite answers";
            }),
            await CheckAsync("disk", () =>
            {
                var free = FreeBytes();
                const long low = 1L << 30;
                return Task.FromResult(free < low
                    ? throw new InvalidOperationException($"Only {free / (1 << 20)} MiB free in the data directory.")
                    : $"{free / (1 << 20)} MiB free");
            }),
            await CheckAsync("auth", async () => $"{(await sender.Send(new GetUserStats(), cancellationToken)).Total} users"),
            await CheckAsync("messaging", async () => $"{(await sender.Send(new GetConnectionStats(), cancellationToken)).OpenSockets} open sockets"),
            await CheckAsync("files", async () => $"{(await sender.Send(new GetFileStats(), cancellationToken)).TotalFiles} files"),
            await CheckAsync("presence", async () => $"{(await sender.Send(new GetPresenceStats(), cancellationToken)).Online} online"),
            await CheckAsync("audit", async () => $"{(await sender.Send(new QueryAuditLog(null, null, null, null, 0, 1), cancellationToken)).Total} entries"),
            await CheckAsync("cluster", async () =>
            {
                var status = await sender.Send(new GetClusterStatus(), cancellationToken);
                return status.Healthy < status.Total
                    ? throw new InvalidOperationException($"{status.Healthy} of {status.Total} nodes healthy")
                    : $"{status.Healthy} of {status.Total} nodes healthy";
            }),
        };
        // Then every module's own checks, the ones each port's /health runs (store, disk, background writers).
        var report = await healthChecks.CheckHealthAsync(cancellationToken);
        checks.AddRange(report.Entries.Select(e => new HealthCheck(
            e.Key, e.Value.Status == HealthStatus.Unhealthy ? "failing" : "ok", e.Value.Description ?? "", Math.Round(e.Value.Duration.TotalMilliseconds, 2))));
        var status = checks.All(c => c.Status == "ok") ? "ok" : "degraded";
        return new SystemHealth(status, clock.GetUtcNow(), UptimeSeconds(clock), checks);
    }

    private long FreeBytes()
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(paths.DataDirectory)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private async Task<HealthCheck> CheckAsync(string name, Func<Task<string>> check)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var detail = await check();
            return new HealthCheck(name, "ok", detail, Elapsed(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Health check {Check} failed: {Reason}", name, ex.Message);
            return new HealthCheck(name, "failing", ex is InvalidOperationException ? ex.Message : "The module did not answer.", Elapsed(started));
        }
    }

    private async Task<T?> SectionAsync<T>(Func<Task<T>> read, string name, List<string> unavailable) where T : class
    {
        var value = await TryAsync(read, name);
        if (value is null)
        {
            unavailable.Add(name);
        }

        return value;
    }

    private async Task<T?> TryAsync<T>(Func<Task<T>> read, string name) where T : class
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Monitoring section {Section} is unavailable: {Reason}", name, ex.Message);
            return null;
        }
    }

    private static double Elapsed(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2);
}
