using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ZiyadMessenger.Modules.Audit.Recording;

/// <summary>
/// The hash that links entries: SHA-256 over a canonical, unambiguous encoding of the entry and the
/// previous entry's hash. Integers are 8-byte big-endian; every string is its UTF-8 bytes preceded by
/// their count as a 4-byte big-endian integer, so no choice of text can make two entries encode alike.
/// docs/audit.md spells this out for anyone checking the chain with other tools.
/// </summary>
internal static class AuditChain
{
    /// <summary>The previous hash of the first entry.</summary>
    public static readonly string GenesisHash = new('0', 64);

    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("ziyad-audit-v1");

    public static string ComputeHash(long id, long timestampMs, string actorId, string action, string targetResource, string details, string prevHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendString(hash, Domain);
        AppendInt64(hash, id);
        AppendInt64(hash, timestampMs);
        AppendString(hash, actorId);
        AppendString(hash, action);
        AppendString(hash, targetResource);
        AppendString(hash, details);
        AppendString(hash, prevHash);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// What SQLite will hand back for <paramref name="value"/>: text is stored as UTF-8, so a lone UTF-16
    /// surrogate comes back as U+FFFD. Hashing the stored form keeps the chain verifiable.
    /// </summary>
    public static string Normalize(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));

    /// <summary>
    /// What PostgreSQL can keep of <paramref name="value"/>: its text has no NUL character, so one becomes
    /// U+FFFD like a lone surrogate does (otherwise the batch would be refused, and retried, forever).
    /// </summary>
    public static string NormalizeForPostgres(string value) => Normalize(value).Replace('\0', '\uFFFD');

    private static void AppendInt64(IncrementalHash hash, long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        hash.AppendData(buffer);
    }

    private static void AppendString(IncrementalHash hash, string value) => AppendString(hash, Encoding.UTF8.GetBytes(value));

    private static void AppendString(IncrementalHash hash, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
