using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Operations;

/// <summary>
/// Guards a data directory against a program of another version. The database remembers, in the
/// <c>host_meta</c> table, the data format and the program version that last opened it. A newer program
/// on older data backs the database up into <c>backups/</c> before the modules migrate it; an older
/// program than the data refuses to start rather than run on tables it does not understand.
/// </summary>
internal static class DataFormat
{
    /// <summary>
    /// The layout of the data directory and of the host's own records. Raise it when a change needs more
    /// than the modules' own migrations (which are checked separately, one by one).
    /// </summary>
    public const int Current = 1;

    public const string MetaTable = "host_meta";
    public const string BackupsFolder = "backups";

    public static string AppVersion { get; } =
        typeof(DataFormat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(DataFormat).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Runs before the modules migrate: refuses newer data, backs up older data.</summary>
    public static async Task BeforeMigrationsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var paths = services.GetRequiredService<StorePaths>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ZiyadMessenger.Upgrade");
        var stored = ReadMeta(paths);
        var hasData = HasTables(paths);

        if (stored.Format > Current)
        {
            throw new DataVersionException(
                $"The data in '{paths.DataDirectory}' has data format {stored.Format} (written by Ziyad Messenger {stored.AppVersion ?? "?"}); " +
                $"this program, version {AppVersion}, understands format {Current} at most. Start the newer version, or restore a backup made with this one.");
        }

        // One check per module's DbContext. They run side by side: each is mostly EF Core building that
        // context's model (kept for the module's migration right after), which is CPU work; on the two-core
        // bench machine this phase went from 930 to 760-880 ms, and a first start from 1.58-2.04 s to
        // 1.59-1.77 s (bench/run.sh startup).
        var checks = await Task.WhenAll(DbContextTypes(services).Select(contextType => Task.Run(
            () => CheckMigrationsAsync(services, contextType, paths, stored.AppVersion, cancellationToken), cancellationToken)));
        var pending = checks.SelectMany(c => c).ToList();

        if (hasData && (stored.Format is null || stored.Format < Current || pending.Count > 0))
        {
            var file = BackupDatabase(paths, stored.Format ?? 0);
            logger.LogWarning(
                "Upgrading data from format {OldFormat} (Ziyad Messenger {OldVersion}) to format {NewFormat} ({NewVersion}), {PendingCount} migration(s) to apply. The database was backed up first to {BackupFile}",
                stored.Format ?? 0, stored.AppVersion ?? "?", Current, AppVersion, pending.Count, file);
        }
        else if (stored.AppVersion is not null && stored.AppVersion != AppVersion)
        {
            logger.LogInformation("Data last opened by Ziyad Messenger {OldVersion}; now {NewVersion}, same data format {Format}", stored.AppVersion, AppVersion, Current);
        }
    }

    /// <summary>Runs after every module migrated: the data now has this program's format.</summary>
    /// <returns>The context's migrations not applied yet; throws if the database has one this program does not know.</returns>
    private static async Task<List<string>> CheckMigrationsAsync(IServiceProvider services, Type contextType, StorePaths paths, string? storedVersion,
        CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await using var context = RegisteredDbContexts.Create(scope.ServiceProvider, contextType);
        if (context is null)
        {
            return [];
        }

        var known = context.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
        var applied = await context.Database.GetAppliedMigrationsAsync(cancellationToken);
        var unknown = applied.Where(m => !known.Contains(m)).ToList();
        if (unknown.Count > 0)
        {
            throw new DataVersionException(
                $"The data in '{paths.DataDirectory}' was migrated by a newer Ziyad Messenger ({storedVersion ?? "?"}): {contextType.Name} has migration {unknown[^1]} that this program, version {AppVersion}, does not know. Start the newer version, or restore a backup made with this one.");
        }

        return (await context.Database.GetPendingMigrationsAsync(cancellationToken)).Select(m => $"{contextType.Name}/{m}").ToList();
    }

    public static void AfterMigrations(IServiceProvider services)
    {
        var paths = services.GetRequiredService<StorePaths>();
        using var connection = SqliteStore.OpenConnection(paths);
        EnsureMetaTable(connection);
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO {MetaTable}(key, value) VALUES ('data_format_version', $format), ('app_version', $version), ('updated_at', $now)
              ON CONFLICT(key) DO UPDATE SET value = excluded.value;
            INSERT INTO {MetaTable}(key, value) VALUES ('created_by_app_version', $version) ON CONFLICT(key) DO NOTHING;
            """;
        command.Parameters.AddWithValue("$format", Current.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$version", AppVersion);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    public static (int? Format, string? AppVersion) ReadMeta(StorePaths paths)
    {
        if (!File.Exists(paths.DatabaseFile))
        {
            return (null, null);
        }

        using var connection = SqliteStore.OpenConnection(paths);
        return ReadMeta(connection);
    }

    public static (int? Format, string? AppVersion) ReadMeta(SqliteConnection connection)
    {
        using var exists = connection.CreateCommand();
        exists.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{MetaTable}'";
        if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return (null, null);
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT key, value FROM {MetaTable} WHERE key IN ('data_format_version', 'app_version')";
        int? format = null;
        string? version = null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (reader.GetString(0) == "data_format_version")
            {
                format = int.TryParse(reader.GetString(1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var f) ? f : int.MaxValue;
            }
            else
            {
                version = reader.GetString(1);
            }
        }

        return (format, version);
    }

    private static void EnsureMetaTable(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TABLE IF NOT EXISTS {MetaTable} (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    private static bool HasTables(StorePaths paths)
    {
        using var connection = SqliteStore.OpenConnection(paths);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '{MetaTable}'";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>A consistent copy of the live database (SQLite's online backup), kept in <c>backups/</c>.</summary>
    private static string BackupDatabase(StorePaths paths, int fromFormat)
    {
        var folder = Path.Combine(paths.DataDirectory, BackupsFolder);
        CreatePrivateDirectory(folder);
        var file = Path.Combine(folder, $"ziyad-{DateTime.UtcNow:yyyyMMdd-HHmmss}-format{fromFormat}-before-{AppVersion}.db");
        SnapshotDatabase(paths, file);
        return file;
    }

    /// <summary>Copies the database with SQLite's online backup API: consistent even while others write.</summary>
    public static void SnapshotDatabase(StorePaths paths, string destination)
    {
        // Made owner-only before SQLite writes a byte into it: the copy holds every password hash.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        new FileStream(destination, options).Dispose();
        using var source = SqliteStore.OpenConnection(paths);
        using (var target = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString()))
        {
            target.Open();
            source.BackupDatabase(target);
            using var command = target.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=DELETE;";
            command.ExecuteNonQuery();
        }
    }

    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public static void Restrict(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static IEnumerable<Type> DbContextTypes(IServiceProvider services) =>
        services.GetService<RegisteredDbContexts>()?.Types ?? [];
}

/// <summary>
/// The DbContext types the modules registered, directly or through a (pooled) context factory; read once
/// the container is complete, so a module's new context is checked without being listed here.
/// </summary>
internal sealed class RegisteredDbContexts(IServiceCollection services)
{
    public IReadOnlyList<Type> Types => services
        .Select(d => d.ServiceType)
        .Select(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IDbContextFactory<>) ? t.GetGenericArguments()[0] : t)
        .Where(t => t.IsSubclassOf(typeof(DbContext)) && !t.IsAbstract)
        .Distinct()
        .ToList();

    public static DbContext? Create(IServiceProvider services, Type contextType)
    {
        if (services.GetService(contextType) is DbContext context)
        {
            return context;
        }

        var factory = services.GetService(typeof(IDbContextFactory<>).MakeGenericType(contextType));
        return factory?.GetType().GetMethod(nameof(IDbContextFactory<DbContext>.CreateDbContext), Type.EmptyTypes)?.Invoke(factory, null) as DbContext;
    }
}

/// <summary>The data directory belongs to another version of the program. The server exits with one line.</summary>
internal sealed class DataVersionException(string message) : Exception(message);

/// <summary>The configured store (PostgreSQL) could not be reached while the server started.</summary>
internal sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
