using System.Net;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Cluster.Nodes;

/// <summary>
/// This server as a cluster node: an id made on first start and kept in the data directory (so it
/// survives restarts and upgrades), the address other nodes reach it at, its version and start time.
/// </summary>
internal sealed class LocalNode
{
    public const string IdFileName = "cluster-node-id";
    public const int MaxIdLength = 64;

    private readonly StorePaths _paths;
    private readonly Lazy<string> _id;

    public LocalNode(StorePaths paths, IConfiguration configuration, TimeProvider clock)
    {
        _paths = paths;
        _id = new Lazy<string>(LoadOrCreateId, LazyThreadSafetyMode.ExecutionAndPublication);
        Address = AdvertisedAddress(configuration);
        Version = ProductVersion();
        StartedAt = clock.GetUtcNow();
    }

    public string Id => _id.Value;
    public string Address { get; }
    public string Version { get; }
    public DateTimeOffset StartedAt { get; }

    public string IdFile => Path.Combine(_paths.DataDirectory, IdFileName);

    private string LoadOrCreateId()
    {
        var file = IdFile;
        if (File.Exists(file))
        {
            var stored = File.ReadAllText(file).Trim();
            if (stored.Length is 0 or > MaxIdLength || stored.Any(char.IsControl) || stored.Any(char.IsWhiteSpace))
            {
                throw new InvalidOperationException(
                    $"The cluster node id in '{file}' is not valid (1–{MaxIdLength} characters, no spaces). Fix it, or delete the file to make a new id.");
            }

            return stored;
        }

        Directory.CreateDirectory(_paths.DataDirectory);
        var id = Guid.NewGuid().ToString();
        // Written whole or not at all: a crash mid-write must not leave an empty id behind.
        var temp = file + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(id);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file, overwrite: false);
        return id;
    }

    /// <summary>
    /// <c>ZiyadMessenger:Cluster:AdvertisedAddress</c> when set; otherwise the bind address, or the host
    /// name when binding to every interface (0.0.0.0 reaches nobody), with the Cluster port.
    /// </summary>
    private static string AdvertisedAddress(IConfiguration configuration)
    {
        var configured = configuration["ZiyadMessenger:Cluster:AdvertisedAddress"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured.Trim();
        }

        var port = configuration.GetValue("ZiyadMessenger:Ports:Cluster", 8085);
        var bind = configuration["ZiyadMessenger:BindAddress"];
        var host = bind is null or "" or "0.0.0.0" or "*" or "::" ? Dns.GetHostName() : bind;
        return host.Contains(':') && IPAddress.TryParse(host, out _) ? $"[{host}]:{port}" : $"{host}:{port}";
    }

    private static string ProductVersion()
    {
        var informational = typeof(LocalNode).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // Drop the "+<commit>" build metadata the SDK appends; the release is what operators compare.
        return informational?.Split('+')[0] ?? typeof(LocalNode).Assembly.GetName().Version?.ToString() ?? "unknown";
    }
}
