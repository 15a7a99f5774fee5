using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using ZiyadMessenger.Host.Hosting;

namespace ZiyadMessenger.Host.Operations;

/// <summary>
/// Where settings come from, lowest precedence first: the <c>appsettings.json</c> beside the program, the
/// system-wide file (or the one given with <c>--config</c>), environment variables, the command line.
/// An office admin edits the system-wide file and can replace the program without losing settings.
/// </summary>
internal static class ConfigurationLayers
{
    public const string ConfigOption = "--config";

    /// <summary>The system-wide settings file looked for when no <c>--config</c> is given.</summary>
    public static string SystemWideFile => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "ZiyadMessenger", "appsettings.json")
        : "/etc/ziyad-messenger/appsettings.json";

    /// <summary>
    /// Puts the system-wide file just above the <c>appsettings*.json</c> files the host builder already
    /// added, so that environment variables and the command line still win over it.
    /// </summary>
    public static void AddSystemWide(IConfigurationBuilder builder, string? explicitFile)
    {
        var path = explicitFile is null ? SystemWideFile : Path.GetFullPath(explicitFile);
        if (explicitFile is not null && !File.Exists(path))
        {
            throw new ConfigurationException(ConfigOption, $"the settings file '{path}' does not exist.");
        }

        var source = new JsonConfigurationSource
        {
            Path = Path.GetFileName(path),
            Optional = explicitFile is null,
            ReloadOnChange = false,
            FileProvider = Directory.Exists(Path.GetDirectoryName(path))
                ? new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(path)!)
                : null,
        };
        if (source.FileProvider is null)
        {
            return; // no such folder: nothing system-wide to read
        }

        var sources = builder.Sources;
        var after = -1;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is JsonConfigurationSource { Path: { } p } && p.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                after = i;
            }
        }

        try
        {
            sources.Insert(after + 1, source);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException(explicitFile is null ? path : ConfigOption, $"'{path}' is not valid JSON: {Innermost(e).Message}");
        }
    }

    /// <summary>The same layers for the commands that do not start the web host (backup, restore).</summary>
    public static IConfiguration Build(string[] args, string? explicitFile)
    {
        var builder = new ConfigurationManager();
        try
        {
            builder.SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true);
        }
        catch (InvalidDataException e)
        {
            throw new ConfigurationException(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), $"not valid JSON: {Innermost(e).Message}");
        }

        AddSystemWide(builder, explicitFile);
        builder.AddEnvironmentVariables();
        builder.AddCommandLine(args);
        return builder;
    }

    public static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
