using System.Security.Cryptography;
using System.Text;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Files.Storage;

/// <summary>
/// Where encrypted files live: <c>files/&lt;first two hex digits of the id&gt;/&lt;id&gt;.enc</c>, derived from the
/// id alone so nothing a client sends (least of all the name) reaches a path. Uploads are written to
/// <c>files/tmp/</c> first and renamed into place only when complete and flushed to disk.
/// </summary>
internal sealed class FileStore(StorePaths paths, StoreOptions storeOptions)
{
    public const string TempExtension = ".part";
    public const string StoredExtension = ".enc";

    /// <summary>
    /// In a shared folder another node's upload may be under way: only what has not been written to for
    /// this long counts as left over (an upload writes every segment as it arrives; the rename to the
    /// commit takes milliseconds).
    /// </summary>
    public static readonly TimeSpan SharedLeftoverAge = TimeSpan.FromHours(1);

    /// <summary>True when other nodes may use the folder too (PostgreSQL mode, or a folder outside the data directory).</summary>
    public bool Shared => storeOptions.IsPostgres || paths.FilesOutsideDataDirectory;

    /// <summary>Files written before this are no one's upload in progress.</summary>
    public DateTime LeftoverBefore(DateTime startedUtc) =>
        Shared ? new[] { startedUtc, DateTime.UtcNow - SharedLeftoverAge }.Min() : startedUtc;

    public string Root => paths.FilesDirectory;

    public string TempDirectory => Path.Combine(paths.FilesDirectory, "tmp");

    public string PathFor(Guid id)
    {
        var name = id.ToString("D");
        return Path.Combine(paths.FilesDirectory, name[..2], name + StoredExtension);
    }

    public string NewTempPath()
    {
        Directory.CreateDirectory(TempDirectory);
        return Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + TempExtension);
    }

    /// <summary>Removes what interrupted uploads left behind; run before the listeners open.</summary>
    public int DeleteTempFiles()
    {
        if (!Directory.Exists(TempDirectory))
        {
            return 0;
        }

        var deleted = 0;
        var before = LeftoverBefore(DateTime.UtcNow);
        foreach (var file in Directory.EnumerateFiles(TempDirectory))
        {
            if ((!Shared || File.GetLastWriteTimeUtc(file) < before) && TryDelete(file))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Stored files on disk with the id their path names.</summary>
    public IEnumerable<(Guid Id, string Path)> EnumerateStored()
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            if (Path.GetFileName(directory).Length != 2)
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(directory, "*" + StoredExtension))
            {
                if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(file), "D", out var id))
                {
                    yield return (id, file);
                }
            }
        }
    }

    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>
/// The server keeps no key, only a value that tells a right key from a wrong one: HMAC-SHA256 keyed
/// with the file key over a fixed label and the file id. Without the key it reveals nothing about it,
/// so a wrong key can be refused (403) before a byte is decrypted.
/// </summary>
internal static class FileKeys
{
    private static readonly byte[] Label = "ziyad-messenger/file-key-check/v1:"u8.ToArray();

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(SegmentedAead.KeyLength);

    public static string ToHex(byte[] key) => Convert.ToHexStringLower(key);

    /// <summary>Parses a 64-hex-digit key; null when it is not one.</summary>
    public static byte[]? TryParse(string? text)
    {
        if (text is null || text.Length != SegmentedAead.KeyLength * 2)
        {
            return null;
        }

        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static byte[] Check(ReadOnlySpan<byte> key, Guid fileId)
    {
        var message = new byte[Label.Length + 36];
        Label.CopyTo(message, 0);
        Encoding.ASCII.GetBytes(fileId.ToString("D"), message.AsSpan(Label.Length));
        return HMACSHA256.HashData(key, message);
    }

    public static bool Matches(ReadOnlySpan<byte> key, Guid fileId, byte[] stored) =>
        CryptographicOperations.FixedTimeEquals(Check(key, fileId), stored);
}
