using System.Security.Cryptography;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Security;

/// <summary>
/// The token signing key: 64 random bytes made on first start and kept in the data directory, readable
/// by the server's own user only. There is no built-in key.
/// </summary>
internal static class SigningKeyStore
{
    public const string FileName = "token-signing.key";
    private const int KeyBytes = 64;

    public static byte[] LoadOrCreate(StorePaths paths)
    {
        var directory = paths.KeysDirectory;
        var file = Path.Combine(directory, FileName);
        if (File.Exists(file))
        {
            var existing = File.ReadAllBytes(file);
            if (existing.Length < 32)
            {
                throw new InvalidOperationException($"The signing key {file} is shorter than 32 bytes; delete it to make a new one (all tokens end).");
            }

            return existing;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file, overwrite: false);
        return key;
    }
}
