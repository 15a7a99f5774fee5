using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ZiyadMessenger.Host.Hosting;

namespace ZiyadMessenger.Host.Operations;

/// <summary>
/// Checks made before anything is opened, so that a wrong setting ends the start with one line that
/// names it, instead of a stack trace from deep inside a module or Kestrel.
/// </summary>
internal static class StartupChecks
{
    private const string DefaultsResource = "ZiyadMessenger.Host.appsettings.defaults.json";

    /// <summary>
    /// Every setting whose shipped default is a number or a boolean must still be one. The shipped
    /// <c>appsettings.json</c> is embedded in the program as the schema, so a setting a module adds to it is
    /// checked without anyone listing it here.
    /// </summary>
    public static void CheckSettingShapes(IConfiguration configuration)
    {
        using var stream = typeof(StartupChecks).Assembly.GetManifestResourceStream(DefaultsResource);
        if (stream is null)
        {
            return;
        }

        using var defaults = JsonDocument.Parse(stream);
        if (defaults.RootElement.TryGetProperty(ServerSettings.Section, out var section))
        {
            Walk(configuration, section, ServerSettings.Section);
        }
    }

    private static void Walk(IConfiguration configuration, JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Walk(configuration, property.Value, $"{path}:{property.Name}");
                }

                break;
            case JsonValueKind.Number:
                var value = configuration[path];
                if (string.IsNullOrWhiteSpace(value))
                {
                    return;
                }

                var whole = element.TryGetInt64(out _);
                var ok = whole
                    ? long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                    : double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _);
                if (!ok)
                {
                    throw new ConfigurationException(path, $"'{value}' is not {(whole ? "a whole number" : "a number")}.");
                }

                break;
            case JsonValueKind.True or JsonValueKind.False:
                var flag = configuration[path];
                if (!string.IsNullOrWhiteSpace(flag) && !bool.TryParse(flag.Trim(), out _))
                {
                    throw new ConfigurationException(path, $"'{flag}' is not true or false.");
                }

                break;
        }
    }

    /// <summary>The data directory must exist (it is made if missing) and be writable by this user.</summary>
    public static void CheckDataDirectory(string directory)
    {
        const string setting = $"{ServerSettings.Section}:DataDirectory";
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (UnauthorizedAccessException)
        {
            throw new ConfigurationException(setting, $"'{directory}' is not writable by the user '{Environment.UserName}'.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ConfigurationException(setting, $"'{directory}' cannot be created: a folder on its path is missing or is a file.");
        }
        catch (IOException e)
        {
            throw new ConfigurationException(setting, $"'{directory}' cannot be created or written ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>
    /// Tries each port before Kestrel does, so a taken port is reported with its setting's name. Kestrel's
    /// own bind error is still mapped (<see cref="PortSettingFor"/>) for the race where the port is taken
    /// between this check and the bind.
    /// </summary>
    public static void CheckPortsFree(ServerSettings settings, IPAddress address)
    {
        foreach (var (module, port) in settings.Ports)
        {
            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ConfigurationException($"{ServerSettings.Section}:Ports:{module}", $"port {port} is already in use by another program on {settings.BindAddress}.");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
            {
                throw new ConfigurationException($"{ServerSettings.Section}:Ports:{module}", $"port {port} may not be opened by the user '{Environment.UserName}' (ports below 1024 need privileges).");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                throw new ConfigurationException($"{ServerSettings.Section}:BindAddress", $"'{settings.BindAddress}' is not an address of this machine.");
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    /// <summary>Names the port setting behind Kestrel's "Failed to bind to address http://a:PORT" error.</summary>
    public static ConfigurationException? PortSettingFor(IOException exception, ServerSettings settings)
    {
        var message = exception.Message;
        foreach (var (module, port) in settings.Ports)
        {
            if (message.Contains($":{port.ToString(CultureInfo.InvariantCulture)}:", StringComparison.Ordinal)
                || message.Contains($":{port.ToString(CultureInfo.InvariantCulture)}/", StringComparison.Ordinal))
            {
                var inUse = exception.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                    || message.Contains("in use", StringComparison.OrdinalIgnoreCase);
                return new ConfigurationException(
                    $"{ServerSettings.Section}:Ports:{module}",
                    inUse ? $"port {port} is already in use by another program on {settings.BindAddress}." : $"port {port} cannot be opened ({ConfigurationLayers.Innermost(exception).Message.TrimEnd('.')}).");
            }
        }

        return null;
    }

    public static IPAddress ParseBindAddress(string value) => value switch
    {
        "0.0.0.0" or "*" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ when IPAddress.TryParse(value, out var address) => address,
        _ => throw new ConfigurationException($"{ServerSettings.Section}:BindAddress", $"'{value}' is not an IP address."),
    };
}
