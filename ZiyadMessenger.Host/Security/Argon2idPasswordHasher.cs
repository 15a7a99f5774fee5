using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Host.Security;

/// <summary>
/// Argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane), stored as a PHC string so
/// the parameters travel with each hash and can be raised later: a hash made with weaker ones is
/// reported as needing a rehash on the next successful login.
/// The hash itself is libsodium's (through NSec), which works in native memory mapped for the one hash
/// and unmapped at once. The managed implementation used before allocated each hash's 19 MiB as
/// thousands of small arrays that outlived a gen0 collection: 100 hashes left the server 130 MB larger
/// (see BENCHMARKS.md, connections). libsodium also takes 13 ms per hash where that took 45.
/// </summary>
internal sealed class Argon2idPasswordHasher : IPasswordHasher, IDisposable
{
    public const int MemoryKib = 19 * 1024;
    public const int Iterations = 2;
    public const int Parallelism = 1;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Each check holds 19 MiB; a flood of logins must not turn into a flood of memory.
    private readonly SemaphoreSlim _slots = new(Math.Max(2, Environment.ProcessorCount));
    private readonly Lazy<string> _decoy;

    public Argon2idPasswordHasher()
    {
        _decoy = new Lazy<string>(() => Format(MemoryKib, Iterations, Parallelism, RandomNumberGenerator.GetBytes(SaltBytes),
            Compute(RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(SaltBytes), MemoryKib, Iterations, Parallelism)));
    }

    public async ValueTask<string> HashAsync(string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = await RunAsync(() => Compute(Encoding.UTF8.GetBytes(password), salt, MemoryKib, Iterations, Parallelism), cancellationToken);
        return Format(MemoryKib, Iterations, Parallelism, salt, hash);
    }

    public async ValueTask<PasswordCheck> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        var known = storedHash is not null && TryParse(storedHash, out _, out _, out _, out _, out _);
        var target = known ? storedHash! : _decoy.Value;
        TryParse(target, out var memory, out var iterations, out var parallelism, out var salt, out var expected);
        var actual = await RunAsync(() => Compute(Encoding.UTF8.GetBytes(password), salt, memory, iterations, parallelism, expected.Length), cancellationToken);
        if (!known || !CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordCheck.Failed;
        }

        return memory < MemoryKib || iterations < Iterations || parallelism < Parallelism
            ? PasswordCheck.SucceededRehashNeeded
            : PasswordCheck.Succeeded;
    }

    public void Dispose() => _slots.Dispose();

    private async Task<byte[]> RunAsync(Func<byte[]> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(work, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    private static byte[] Compute(byte[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length = HashBytes)
    {
        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = parallelism,
            MemorySize = memoryKib,
            NumberOfPasses = iterations,
        });
        var hash = new byte[length];
        argon.DeriveBytes(password, salt, hash);
        return hash;
    }

    private static string Format(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) =>
        string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={memoryKib},t={iterations},p={parallelism}${ToB64(salt)}${ToB64(hash)}");

    internal static bool TryParse(string phc, out int memoryKib, out int iterations, out int parallelism, out byte[] salt, out byte[] hash)
    {
        memoryKib = iterations = parallelism = 0;
        salt = hash = [];
        // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
        var parts = phc.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return false;
        }

        foreach (var pair in parts[3].Split(','))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length != 2 || !int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                return false;
            }

            switch (kv[0])
            {
                case "m": memoryKib = value; break;
                case "t": iterations = value; break;
                case "p": parallelism = value; break;
                default: return false;
            }
        }

        if (memoryKib < 8 * parallelism || iterations == 0 || parallelism == 0 || memoryKib > 4 * 1024 * 1024)
        {
            return false;
        }

        try
        {
            salt = FromB64(parts[4]);
            hash = FromB64(parts[5]);
        }
        catch (FormatException)
        {
            return false;
        }

        // libsodium computes one lane with a 16-byte salt, which is all this server has ever written;
        // any other hash cannot have come from it and is treated as unknown (it never verifies).
        return parallelism == 1 && salt.Length == SaltBytes && hash.Length is >= 16 and <= 64;
    }

    private static string ToB64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string text) => Convert.FromBase64String(text.PadRight(text.Length + ((4 - text.Length % 4) % 4), '='));
}
