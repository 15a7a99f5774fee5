using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ZiyadMessenger.Modules.Files.Storage;

/// <summary>
/// The stored (and downloadable) form of a file: a 20-byte header, then the plaintext cut into
/// segments of <see cref="SegmentSize"/> bytes, each sealed with AES-256-GCM under its own nonce
/// (prefix ‖ big-endian segment index). Every segment authenticates the header and whether it is the
/// last one, so a reordered, truncated or extended file fails to decrypt. docs/files.md describes the
/// format byte by byte; keep the two in step.
/// </summary>
internal static class SegmentedAead
{
    public const int HeaderLength = 20;
    public const int TagLength = 16;
    public const int NonceLength = 12;
    public const int NoncePrefixLength = 8;
    public const int KeyLength = 32;
    public const int SegmentSize = 64 * 1024;
    public const byte Version = 1;
    public const byte AlgorithmAes256Gcm = 1;
    public const byte NotFinal = 0;
    public const byte Final = 1;

    /// <summary>The largest segment size a reader accepts, so a damaged header cannot make it allocate gigabytes.</summary>
    public const int MaxSegmentSize = 16 * 1024 * 1024;

    public static ReadOnlySpan<byte> Magic => "ZMEF"u8;

    public static byte[] NewHeader(int segmentSize)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        header[4] = Version;
        header[5] = AlgorithmAes256Gcm;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8, 4), (uint)segmentSize);
        RandomNumberGenerator.Fill(header.AsSpan(12, NoncePrefixLength));
        return header;
    }

    /// <summary>Checks a header read back from storage and returns its segment size.</summary>
    public static int ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length != HeaderLength || !header[..4].SequenceEqual(Magic) || header[4] != Version ||
            header[5] != AlgorithmAes256Gcm || header[6] != 0 || header[7] != 0)
        {
            throw new FileIntegrityException("The stored file's header is not a format this server knows.");
        }

        var segmentSize = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(8, 4));
        if (segmentSize is 0 or > MaxSegmentSize)
        {
            throw new FileIntegrityException("The stored file's header names an impossible segment size.");
        }

        return (int)segmentSize;
    }

    /// <summary>Ciphertext length for a plaintext of <paramref name="size"/> bytes.</summary>
    public static long CiphertextLength(long size, int segmentSize)
    {
        var segments = Math.Max(1, (size + segmentSize - 1) / segmentSize);
        return HeaderLength + size + segments * TagLength;
    }

    public static void Nonce(ReadOnlySpan<byte> header, uint index, Span<byte> nonce)
    {
        header.Slice(12, NoncePrefixLength).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[NoncePrefixLength..], index);
    }

    public static void AssociatedData(ReadOnlySpan<byte> header, bool final, Span<byte> aad)
    {
        header.CopyTo(aad);
        aad[HeaderLength] = final ? Final : NotFinal;
    }
}

/// <summary>Seals plaintext segments in order; the caller says which one is the last.</summary>
internal sealed class SegmentEncryptor : IDisposable
{
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly byte[] _aad = new byte[SegmentedAead.HeaderLength + 1];
    private readonly byte[] _nonce = new byte[SegmentedAead.NonceLength];
    private uint _index;
    private bool _finished;

    public SegmentEncryptor(ReadOnlySpan<byte> key, int segmentSize)
    {
        _aes = new AesGcm(key, SegmentedAead.TagLength);
        SegmentSize = segmentSize;
        _header = SegmentedAead.NewHeader(segmentSize);
    }

    public int SegmentSize { get; }

    public ReadOnlySpan<byte> Header => _header;

    /// <summary>Seals one segment into <paramref name="output"/> (plaintext length + 16) and returns the bytes written.</summary>
    public int Seal(ReadOnlySpan<byte> plaintext, bool final, Span<byte> output)
    {
        if (_finished)
        {
            throw new InvalidOperationException("The last segment was already sealed.");
        }

        if (plaintext.Length > SegmentSize || (!final && plaintext.Length != SegmentSize))
        {
            throw new InvalidOperationException("Only the last segment may be shorter than the segment size.");
        }

        if (_index == uint.MaxValue)
        {
            throw new InvalidOperationException("The file has more segments than the format can number.");
        }

        SegmentedAead.Nonce(_header, _index, _nonce);
        SegmentedAead.AssociatedData(_header, final, _aad);
        _aes.Encrypt(_nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, SegmentedAead.TagLength), _aad);
        _index++;
        _finished = final;
        return plaintext.Length + SegmentedAead.TagLength;
    }

    public void Dispose() => _aes.Dispose();
}

/// <summary>
/// Opens the segments of a stored file one at a time. Each segment is authenticated before any of its
/// plaintext is handed out, so a caller never sees altered bytes.
/// </summary>
internal sealed class SegmentDecryptor : IDisposable
{
    private readonly AesGcm _aes;
    private readonly Stream _input;
    private readonly byte[] _header = new byte[SegmentedAead.HeaderLength];
    private readonly byte[] _aad = new byte[SegmentedAead.HeaderLength + 1];
    private readonly byte[] _nonce = new byte[SegmentedAead.NonceLength];
    private byte[] _sealed = [];
    private long _remaining;
    private uint _index;
    private int _segmentSize;

    public SegmentDecryptor(Stream input, long inputLength, ReadOnlySpan<byte> key)
    {
        _aes = new AesGcm(key, SegmentedAead.TagLength);
        _input = input;
        _remaining = inputLength;
    }

    public int SegmentSize => _segmentSize;

    public async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        if (_remaining < SegmentedAead.HeaderLength + SegmentedAead.TagLength)
        {
            throw new FileIntegrityException("The stored file is shorter than an empty file.");
        }

        await _input.ReadExactlyAsync(_header, cancellationToken);
        _remaining -= SegmentedAead.HeaderLength;
        _segmentSize = SegmentedAead.ParseHeader(_header);
        _sealed = new byte[_segmentSize + SegmentedAead.TagLength];
    }

    /// <summary>
    /// Reads and opens the next segment into <paramref name="plaintext"/> (at least the segment size).
    /// Returns its length, or -1 after the last segment.
    /// </summary>
    public async Task<int> ReadSegmentAsync(byte[] plaintext, CancellationToken cancellationToken)
    {
        if (_remaining == 0)
        {
            return -1;
        }

        // The stored length says which segment is the last: it is the one that ends the file.
        var length = (int)Math.Min(_remaining, _segmentSize + SegmentedAead.TagLength);
        if (length < SegmentedAead.TagLength)
        {
            throw new FileIntegrityException("The stored file ends inside a segment tag.");
        }

        await _input.ReadExactlyAsync(_sealed.AsMemory(0, length), cancellationToken);
        _remaining -= length;
        Open(length, _remaining == 0, plaintext);
        return length - SegmentedAead.TagLength;
    }

    private void Open(int length, bool final, byte[] plaintext)
    {
        var textLength = length - SegmentedAead.TagLength;
        SegmentedAead.Nonce(_header, _index, _nonce);
        SegmentedAead.AssociatedData(_header, final, _aad);
        try
        {
            _aes.Decrypt(_nonce, _sealed.AsSpan(0, textLength), _sealed.AsSpan(textLength, SegmentedAead.TagLength), plaintext.AsSpan(0, textLength), _aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, textLength));
            throw new FileIntegrityException($"Segment {_index} of the stored file failed authentication.");
        }

        _index++;
    }

    public void Dispose() => _aes.Dispose();
}

internal sealed class FileIntegrityException(string message) : Exception(message);
