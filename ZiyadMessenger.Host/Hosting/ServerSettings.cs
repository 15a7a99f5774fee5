using Microsoft.Extensions.Configuration;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>The host-level settings of CONTRACT §0, read once from configuration.</summary>
internal sealed record ServerSettings(string BindAddress, string DataDirectory, IReadOnlyDictionary<string, int> Ports)
{
    public const string Section = "ZiyadMessenger";

    public static readonly IReadOnlyDictionary<string, int> DefaultPorts = new Dictionary<string, int>
    {
        [ModuleNames.Admin] = 8090,
        [ModuleNames.Auth] = 8086,
        [ModuleNames.Messaging] = 8081,
        [ModuleNames.Files] = 8082,
        [ModuleNames.Presence] = 8083,
        [ModuleNames.Audit] = 8084,
        [ModuleNames.Cluster] = 8085,
    };

    public static ServerSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var bind = section["BindAddress"];
        var data = section["DataDirectory"];
        var ports = new Dictionary<string, int>();
        foreach (var module in ModuleNames.All)
        {
            var raw = section[$"Ports:{module}"];
            if (string.IsNullOrWhiteSpace(raw))
            {
                ports[module] = DefaultPorts[module];
            }
            else if (int.TryParse(raw, out var port) && port is > 0 and <= 65535)
            {
                ports[module] = port;
            }
            else
            {
                throw new ConfigurationException($"{Section}:Ports:{module}", $"'{raw}' is not a port number (1-65535).");
            }
        }

        var duplicate = ports.GroupBy(p => p.Value).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            var names = string.Join(" and ", duplicate.Select(p => $"{Section}:Ports:{p.Key}"));
            throw new ConfigurationException(names, $"port {duplicate.Key} is used twice.");
        }

        return new ServerSettings(
            string.IsNullOrWhiteSpace(bind) ? "0.0.0.0" : bind.Trim(),
            Path.GetFullPath(string.IsNullOrWhiteSpace(data) ? "data" : data.Trim()),
            ports);
    }
}

/// <summary>A setting that cannot work. The server exits with one line naming it.</summary>
internal sealed class ConfigurationException(string setting, string problem) : Exception($"{setting}: {problem}")
{
    public string Setting { get; } = setting;
    public string Problem { get; } = problem;
}
