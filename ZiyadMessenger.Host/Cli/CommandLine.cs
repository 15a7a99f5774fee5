using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ZiyadMessenger.Host.Hosting;
using ZiyadMessenger.Host.Operations;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Cli;

/// <summary>
/// The program's command line: the server by default, plus <c>backup</c> and <c>restore</c>. A small
/// parser is enough for three commands; every other <c>--Section:Key=value</c> argument is a setting.
/// </summary>
internal static partial class CommandLine
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int UsageError = 64;
    public const int DataError = 65;
    public const int StoreUnavailable = 69;
    public const int ConfigurationError = 78;

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var (configFile, rest) = TakeOption(args, ConfigurationLayers.ConfigOption);
            var command = rest.FirstOrDefault();
            if (rest.Any(a => a is "--help" or "-h" or "-?" or "/?") || command is "help")
            {
                Console.Out.Write(HelpText);
                return Ok;
            }

            if (command is "--version" or "version")
            {
                Console.Out.WriteLine($"Ziyad Messenger {DataFormat.AppVersion} (data format {DataFormat.Current}, backup format {BackupArchive.FormatVersion}, .NET {Environment.Version})");
                return Ok;
            }

            return command switch
            {
                "backup" => Backup(rest[1..], configFile),
                "restore" => Restore(rest[1..], configFile),
                "migrate-store" => await MigrateStoreAsync(rest[1..], configFile),
                "serve" => await ServeAsync(rest[1..], configFile),
                null => await ServeAsync(rest, configFile),
                _ when command.StartsWith('-') || command.Contains('=') => await ServeAsync(rest, configFile),
                _ => throw new UsageException($"unknown command '{command}'."),
            };
        }
        catch (UsageException e)
        {
            return Fail($"Usage error: {e.Message} Run with --help for the commands and options.", UsageError);
        }
        catch (ConfigurationException e)
        {
            return Fail($"Configuration error: {e.Message}", ConfigurationError);
        }
        catch (InvalidDataException e) when (e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"Configuration error: {e.Message.TrimEnd('.')}: {ConfigurationLayers.Innermost(e).Message}", ConfigurationError);
        }
        catch (InvalidOperationException e) when (ConversionFailure().Match(e.Message) is { Success: true } match)
        {
            return Fail($"Configuration error: {match.Groups["path"].Value}: '{match.Groups["value"].Value}' is not {FriendlyType(match.Groups["type"].Value)}.", ConfigurationError);
        }
        catch (OptionsValidationException e)
        {
            return Fail($"Configuration error: {string.Join("; ", e.Failures)}", ConfigurationError);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            // Settings of several modules failed at once: still one line, naming each.
            return Fail($"Configuration error: {string.Join("; ", e.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures))}", ConfigurationError);
        }
        catch (StoreUnavailableException e)
        {
            return Fail($"Cannot start: {e.Message}", StoreUnavailable);
        }
        catch (DataVersionException e)
        {
            return Fail($"Cannot start: {e.Message}", DataError);
        }
        catch (BackupException e)
        {
            return Fail(e.Message, DataError);
        }
        catch (StoreMigrationException e)
        {
            return Fail($"migrate-store: {e.Message}", DataError);
        }
    }

    private static async Task<int> ServeAsync(string[] args, string? configFile)
    {
        var app = ZiyadServer.Build(args, configuration => ConfigurationLayers.AddSystemWide(configuration, configFile));
        try
        {
            var settings = app.Services.GetRequiredService<ServerSettings>();
            StartupChecks.CheckPortsFree(settings, StartupChecks.ParseBindAddress(settings.BindAddress));
            try
            {
                await ZiyadServer.StartAsync(app);
            }
            catch (IOException e) when (StartupChecks.PortSettingFor(e, settings) is { } named)
            {
                throw named;
            }

            // Start-up (EF models, migrations, seeding, the first JIT) leaves tens of megabytes of garbage
            // and SQLite page caches that an idle server would keep until load arrives; give them back
            // once, now that serving starts: idle RSS 153 -> 143 MB.
            SqliteConnection.ClearAllPools();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

            await app.WaitForShutdownAsync();
            return FailedServices.Of(app.Services) is { Count: > 0 } failed
                ? Fail($"The server stopped because {string.Join(", ", failed)} failed while running; the log has the details.", Failed)
                : Ok;
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private static int Backup(string[] args, string? configFile)
    {
        var (to, rest) = TakeOption(args, "--to");
        (var data, rest) = TakeOption(rest, "--data");
        if (to is null)
        {
            throw new UsageException("backup needs --to FILE.");
        }

        var configuration = ConfigurationLayers.Build(rest, configFile);
        var paths = new StorePaths(data is null ? DataDirectoryFrom(rest, configFile) : Path.GetFullPath(data), configuration[StorePaths.FilesDirectoryKey]);
        var store = ZiyadMessenger.Modules.Contracts.Persistence.StoreOptions.From(configuration);
        if (store.IsPostgres)
        {
            return BackupWithoutDatabase(paths, to, configFile, store);
        }

        var manifest = BackupArchive.Create(paths, to);
        var files = manifest.Entries?.Count(e => e.StartsWith("files/", StringComparison.Ordinal)) ?? 0;
        Console.Out.WriteLine($"Backup of {paths.DataDirectory} written to {Path.GetFullPath(to)}: database {manifest.DatabaseBytes:N0} bytes (data format {manifest.DataFormatVersion}), {files} stored file(s), {manifest.Entries?.Count ?? 0} entries in all.");
        Console.Out.WriteLine("It contains the token signing key: keep it as safe as a password (it is readable by its owner only).");
        return Ok;
    }

    /// <summary>PostgreSQL mode: the archive covers the files and settings; the database is pg_dump's, and the command says how.</summary>
    private static int BackupWithoutDatabase(StorePaths paths, string to, string? configFile, ZiyadMessenger.Modules.Contracts.Persistence.StoreOptions store)
    {
        var settingsFile = configFile is null ? ConfigurationLayers.SystemWideFile : Path.GetFullPath(configFile);
        var manifest = BackupArchive.CreateWithoutDatabase(paths, to, settingsFile);
        var files = manifest.Entries?.Count(e => e.StartsWith("files/", StringComparison.Ordinal)) ?? 0;
        var settings = manifest.Entries?.Any(e => e.StartsWith(BackupArchive.SettingsFolder + "/", StringComparison.Ordinal)) == true;
        var target = new Npgsql.NpgsqlConnectionStringBuilder(store.ConnectionString);
        Console.Out.WriteLine($"Backup written to {Path.GetFullPath(to)}: {files} stored file(s) from {paths.FilesDirectory}, " +
            $"{(settings ? $"the settings file {settingsFile}" : "no settings file (none found)")}, and what this node keeps in {paths.DataDirectory}.");
        Console.Out.WriteLine($"It does NOT contain the database: PostgreSQL holds it (database '{target.Database}' on {target.Host}). Back it up with pg_dump, e.g.:");
        Console.Out.WriteLine($"  pg_dump --format=custom --host={target.Host} --port={target.Port} --username={target.Username} --file=ziyad-$(date +%F).dump {target.Database}");
        Console.Out.WriteLine("Take both at about the same time, the database first (docs/operations.md). The archive may hold the connection string: keep it as safe as a password.");
        return Ok;
    }

    private static int Restore(string[] args, string? configFile)
    {
        var (from, rest) = TakeOption(args, "--from");
        (var data, rest) = TakeOption(rest, "--data");
        if (from is null)
        {
            throw new UsageException("restore needs --from FILE.");
        }

        var directory = data is null ? DataDirectoryFrom(rest, configFile) : Path.GetFullPath(data);
        var manifest = BackupArchive.Restore(from, directory);
        Console.Out.WriteLine($"Restored the backup made {manifest.CreatedAt} by Ziyad Messenger {manifest.AppVersion} on {manifest.Machine} into {directory}.");
        if (manifest.Store == "postgres")
        {
            Console.Out.WriteLine($"It held the files and settings of a PostgreSQL installation: restore the database with pg_restore (docs/operations.md), point ZiyadMessenger:Files:Directory at {Path.Combine(directory, "files")} (or move that folder to the shared storage), and take the settings from {Path.Combine(directory, BackupArchive.SettingsFolder)}.");
            return Ok;
        }

        Console.Out.WriteLine($"Start the server with ZiyadMessenger:DataDirectory set to {directory}.");
        return Ok;
    }

    private static async Task<int> MigrateStoreAsync(string[] args, string? configFile)
    {
        var (to, rest) = TakeOption(args, "--to");
        (var data, rest) = TakeOption(rest, "--data");
        if (to is null)
        {
            throw new UsageException("migrate-store needs --to postgres.");
        }

        if (!string.Equals(to, "postgres", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"migrate-store copies into PostgreSQL only (--to postgres), not '{to}'.");
        }

        return await StoreMigration.RunAsync(rest, configFile, data is null ? null : Path.GetFullPath(data), Console.Out, CancellationToken.None);
    }

    private static string DataDirectoryFrom(string[] args, string? configFile)
    {
        var configuration = ConfigurationLayers.Build(args, configFile);
        var value = configuration[$"{ServerSettings.Section}:DataDirectory"];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(value) ? "data" : value.Trim());
    }

    /// <summary>Removes <c>--name VALUE</c> or <c>--name=VALUE</c> from the arguments.</summary>
    private static (string? Value, string[] Others) TakeOption(string[] args, string name)
    {
        var rest = new List<string>();
        string? value = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == name)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{name} needs a value.");
                }

                value = args[++i];
            }
            else if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                value = args[i][(name.Length + 1)..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (value, rest.ToArray());
    }

    private static int Fail(string line, int code)
    {
        Console.Error.WriteLine(line.ReplaceLineEndings(" "));
        return code;
    }

    private static string FriendlyType(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a time span (hh:mm:ss)",
        _ => $"a valid {type}",
    };

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    private const string HelpText = """
        Ziyad Messenger: a self-hosted office messenger server.

        Usage:
          ZiyadMessenger.Host [--config FILE] [--Section:Key=value ...]
              Runs the server (the default). Seven ports, data in ZiyadMessenger:DataDirectory.
          ZiyadMessenger.Host backup --to FILE [--data DIR] [--config FILE]
              Writes a consistent backup (database, encrypted files, signing key) to FILE (.tar.gz)
              while the server keeps running. FILE is readable by its owner only: it holds the signing key.
          ZiyadMessenger.Host restore --from FILE --data DIR
              Restores a backup into DIR, which must be empty or not exist yet.
          ZiyadMessenger.Host migrate-store --to postgres [--data DIR] --ZiyadMessenger:Store:ConnectionString=...
              Copies a stopped SQLite installation (every table, ids, seqs, the audit chain, the signing
              key) into an empty PostgreSQL database, then checks counts and the audit chain. The files'
              bytes stay in ZiyadMessenger:Files:Directory.
          ZiyadMessenger.Host --version
          ZiyadMessenger.Host --help

        Settings, each overriding the one before:
          1. appsettings.json beside the program
          2. the system-wide file /etc/ziyad-messenger/appsettings.json
             (Windows: %ProgramData%\ZiyadMessenger\appsettings.json), or the file given with --config
          3. environment variables, e.g. ZiyadMessenger__Ports__Admin=8090
          4. the command line, e.g. --ZiyadMessenger:Ports:Admin=8090

        Exit codes: 0 done, 64 wrong command line, 65 data or backup problem (e.g. data newer than this
        program, a migrate-store target that is not empty), 69 the store (PostgreSQL) cannot be reached,
        78 configuration problem (the line printed names the setting), 1 anything else.

        """;
}

/// <summary>The command line itself is wrong; the program exits 64 with one line.</summary>
internal sealed class UsageException(string message) : Exception(message);
