using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Operations;

/// <summary>
/// One <c>.tar.gz</c> holding everything a server needs to come back: a consistent snapshot of the
/// database, the encrypted files, the signing key and whatever else the modules keep in the data
/// directory (the cluster node id, for one), with a manifest first. It contains the signing key, so it is
/// written readable by its owner only and must be kept like a password.
/// </summary>
internal static class BackupArchive
{
    public const int FormatVersion = 1;
    public const string ManifestName = "ziyad-backup.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static BackupManifest Create(StorePaths paths, string archive)
    {
        if (!File.Exists(paths.DatabaseFile))
        {
            throw new BackupException($"There is no database at '{paths.DatabaseFile}': is '{paths.DataDirectory}' the server's data directory?");
        }

        archive = Path.GetFullPath(archive);
        var folder = Path.GetDirectoryName(archive)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"The folder '{folder}' does not exist.");
        }

        var snapshot = Path.Combine(folder, $".{Path.GetFileName(archive)}.{Guid.NewGuid():N}.db");
        var partial = archive + ".partial";
        try
        {
            // The database first: every row in the snapshot was committed after its file was fully written,
            // so every file the snapshot refers to is on disk when the files are copied next. Files that
            // arrive after the snapshot come along as harmless orphans without rows.
            DataFormat.SnapshotDatabase(paths, snapshot);
            var manifest = DescribeSnapshot(snapshot);

            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var entries = new List<string>();
            using (var stream = new FileStream(partial, options))
            {
                using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                {
                    var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, ManifestName)
                    {
                        DataStream = new MemoryStream(manifestBytes),
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    });
                    AddFile(tar, snapshot, Path.GetFileName(paths.DatabaseFile));
                    entries.Add(Path.GetFileName(paths.DatabaseFile));
                    foreach (var (file, name) in DataFiles(paths))
                    {
                        if (AddFile(tar, file, name))
                        {
                            entries.Add(name);
                        }
                    }
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, archive, overwrite: true);
            return manifest with { Entries = entries };
        }
        finally
        {
            File.Delete(snapshot);
            File.Delete(partial);
        }
    }

    /// <summary>Unpacks an archive into an empty (or new) data directory.</summary>
    public static BackupManifest Restore(string archive, string dataDirectory)
    {
        archive = Path.GetFullPath(archive);
        dataDirectory = Path.GetFullPath(dataDirectory);
        if (!File.Exists(archive))
        {
            throw new BackupException($"The backup file '{archive}' does not exist.");
        }

        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new BackupException($"'{dataDirectory}' is not empty: restore only into an empty or new directory, so nothing there is overwritten.");
        }

        if (File.Exists(dataDirectory))
        {
            throw new BackupException($"'{dataDirectory}' is a file, not a directory.");
        }

        var created = !Directory.Exists(dataDirectory);
        DataFormat.CreatePrivateDirectory(dataDirectory);
        try
        {
            BackupManifest manifest;
            using (var stream = File.OpenRead(archive))
            using (var gzip = new GZipStream(stream, CompressionMode.Decompress))
            using (var tar = new TarReader(gzip))
            {
                manifest = ReadManifest(tar.GetNextEntry(), archive);
                while (tar.GetNextEntry() is { } entry)
                {
                    Extract(entry, dataDirectory);
                }
            }

            var database = Path.Combine(dataDirectory, "ziyad.db");
            if (manifest.Store == "postgres")
            {
                // The database is restored with pg_restore; this archive held the files and settings only.
                return manifest;
            }

            if (!File.Exists(database))
            {
                throw new BackupException($"'{archive}' has no database in it.");
            }

            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString()))
            {
                connection.Open();
                using var check = connection.CreateCommand();
                check.CommandText = "PRAGMA integrity_check;";
                var result = check.ExecuteScalar() as string;
                if (result != "ok")
                {
                    throw new BackupException($"The database in '{archive}' is damaged: {result}");
                }
            }

            return manifest;
        }
        catch
        {
            // Leave the directory as it was found: empty (or absent), never half restored.
            foreach (var entry in Directory.EnumerateFileSystemEntries(dataDirectory))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }

            if (created)
            {
                Directory.Delete(dataDirectory);
            }

            throw;
        }
    }

    private static BackupManifest ReadManifest(TarEntry? entry, string archive)
    {
        if (entry is null || entry.Name != ManifestName || entry.DataStream is null)
        {
            throw new BackupException($"'{archive}' is not a Ziyad Messenger backup (no {ManifestName} at its start).");
        }

        var manifest = JsonSerializer.Deserialize<BackupManifest>(entry.DataStream, Json)
            ?? throw new BackupException($"'{archive}' has an empty manifest.");
        if (manifest.FormatVersion > FormatVersion)
        {
            throw new BackupException($"'{archive}' is backup format {manifest.FormatVersion}, made by Ziyad Messenger {manifest.AppVersion}; this program ({DataFormat.AppVersion}) reads format {FormatVersion}. Restore it with the newer version.");
        }

        if (manifest.DataFormatVersion > DataFormat.Current)
        {
            throw new BackupException($"'{archive}' holds data format {manifest.DataFormatVersion}, made by Ziyad Messenger {manifest.AppVersion}; this program ({DataFormat.AppVersion}) understands format {DataFormat.Current} at most. Restore it with the newer version.");
        }

        return manifest;
    }

    private static void Extract(TarEntry entry, string dataDirectory)
    {
        var name = entry.Name.Replace('\\', '/').TrimEnd('/');
        var target = Path.GetFullPath(Path.Combine(dataDirectory, name));
        var root = dataDirectory.EndsWith(Path.DirectorySeparatorChar) ? dataDirectory : dataDirectory + Path.DirectorySeparatorChar;
        if (name.Length == 0 || Path.IsPathRooted(name) || !target.StartsWith(root, StringComparison.Ordinal))
        {
            throw new BackupException($"The backup has an entry outside the data directory ('{entry.Name}'); it was not restored.");
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                DataFormat.CreatePrivateDirectory(target);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                DataFormat.CreatePrivateDirectory(Path.GetDirectoryName(target)!);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var output = new FileStream(target, options))
                {
                    entry.DataStream?.CopyTo(output);
                    output.Flush(flushToDisk: true);
                }

                break;
            default:
                throw new BackupException($"The backup has an entry of type {entry.EntryType} ('{entry.Name}'); only files and folders are restored.");
        }
    }

    /// <summary>
    /// PostgreSQL mode: the database is PostgreSQL's to back up (pg_dump); this archive holds the rest of
    /// what a node needs, the files' folder, whatever the node keeps in its data directory, and the
    /// settings file (which holds the connection string: the archive is readable by its owner only).
    /// </summary>
    public static BackupManifest CreateWithoutDatabase(StorePaths paths, string archive, string? settingsFile)
    {
        archive = Path.GetFullPath(archive);
        var folder = Path.GetDirectoryName(archive)!;
        if (!Directory.Exists(folder))
        {
            throw new BackupException($"The folder '{folder}' does not exist.");
        }

        var manifest = new BackupManifest(FormatVersion, DataFormat.AppVersion, DataFormat.Current,
            DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), Environment.MachineName, 0,
            new SortedDictionary<string, string>(StringComparer.Ordinal), null, "postgres");
        var partial = archive + ".partial";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var entries = new List<string>();
            using (var stream = new FileStream(partial, options))
            {
                using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
                using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, ManifestName)
                    {
                        DataStream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, Json)),
                        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    });
                    if (settingsFile is not null && File.Exists(settingsFile) && AddFile(tar, settingsFile, SettingsFolder + "/" + Path.GetFileName(settingsFile)))
                    {
                        entries.Add(SettingsFolder + "/" + Path.GetFileName(settingsFile));
                    }

                    foreach (var (file, name) in DataFiles(paths))
                    {
                        if (AddFile(tar, file, name))
                        {
                            entries.Add(name);
                        }
                    }
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, archive, overwrite: true);
            return manifest with { Entries = entries };
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>Where a PostgreSQL-mode backup keeps the settings file it was made with.</summary>
    public const string SettingsFolder = "settings";

    /// <summary>
    /// Everything in the data directory but the live database (the snapshot stands for it), logs and old
    /// backups, named by their place in it; and the files' folder as <c>files/</c> when
    /// <c>Files:Directory</c> puts it elsewhere (a restore puts them back under the data directory).
    /// </summary>
    private static IEnumerable<(string Path, string Name)> DataFiles(StorePaths paths)
    {
        var inData = DataDirectoryFiles(paths).Select(f => (f, Path.GetRelativePath(paths.DataDirectory, f).Replace('\\', '/')));
        if (!paths.FilesOutsideDataDirectory || !Directory.Exists(paths.FilesDirectory))
        {
            return inData;
        }

        var temp = Path.Combine(paths.FilesDirectory, "tmp") + Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(paths.FilesDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !f.StartsWith(temp, StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith(".write-test-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, "files/" + Path.GetRelativePath(paths.FilesDirectory, f).Replace('\\', '/')));
        return inData.Concat(files);
    }

    private static IEnumerable<string> DataDirectoryFiles(StorePaths paths)
    {
        // files/tmp holds uploads still arriving: never referenced by a row, so never needed.
        var skipFolders = new[] { paths.LogsDirectory, Path.Combine(paths.DataDirectory, DataFormat.BackupsFolder), Path.Combine(paths.FilesDirectory, "tmp") }
            .Select(p => p + Path.DirectorySeparatorChar).ToArray();
        var database = Path.GetFileName(paths.DatabaseFile);
        return Directory.EnumerateFiles(paths.DataDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !skipFolders.Any(s => f.StartsWith(s, StringComparison.Ordinal)))
            .Where(f => !(Path.GetDirectoryName(f) == paths.DataDirectory && Path.GetFileName(f).StartsWith(database, StringComparison.Ordinal)))
            .Where(f => !Path.GetFileName(f).StartsWith(".write-test-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    /// <returns>false when the file went away between listing and reading (it was not in the snapshot's past).</returns>
    private static bool AddFile(TarWriter tar, string path, string name)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        using (stream)
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = stream,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                ModificationTime = File.GetLastWriteTimeUtc(path),
            });
        }

        return true;
    }

    private static BackupManifest DescribeSnapshot(string snapshot)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = snapshot, Pooling = false }.ToString());
        connection.Open();
        var (format, _) = DataFormat.ReadMeta(connection);
        var schemas = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_\\_migrations\\_%' ESCAPE '\\' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            using var last = connection.CreateCommand();
            last.CommandText = $"SELECT MigrationId FROM \"{table}\" ORDER BY MigrationId DESC LIMIT 1";
            if (last.ExecuteScalar() is string id)
            {
                schemas[table["__migrations_".Length..]] = id;
            }
        }

        return new BackupManifest(
            FormatVersion,
            DataFormat.AppVersion,
            format ?? DataFormat.Current,
            DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Environment.MachineName,
            new FileInfo(snapshot).Length,
            schemas,
            null);
    }
}

/// <summary>What a backup says about itself (the first entry of the archive).</summary>
internal sealed record BackupManifest(
    int FormatVersion,
    string AppVersion,
    int DataFormatVersion,
    string CreatedAt,
    string Machine,
    long DatabaseBytes,
    IReadOnlyDictionary<string, string> SchemaVersions,
    IReadOnlyList<string>? Entries,
    string? Store = null);

/// <summary>A backup or restore that cannot go on; the command exits with this one line.</summary>
internal sealed class BackupException(string message) : Exception(message);
