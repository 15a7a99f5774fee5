using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ZiyadMessenger.Tests.Integration.Files;

/// <summary>
/// A decoder for downloaded ciphertext written from docs/files.md alone, as a client in any language
/// would write it. It deliberately shares no code with the server.
/// </summary>
internal static class DocumentedFormat
{
    public static byte[] Decrypt(byte[] download, string keyHex)
    {
        var key = Convert.FromHexString(keyHex);
        if (download.Length < 20 + 16)
        {
            throw new CryptographicException("too short");
        }

        var header = download.AsSpan(0, 20);
        if (!header[..4].SequenceEqual("ZMEF"u8) || header[4] != 1 || header[5] != 1 || header[6] != 0 || header[7] != 0)
        {
            throw new CryptographicException("unknown header");
        }

        var segmentSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header[8..12]);
        var noncePrefix = header[12..20];

        using var aes = new AesGcm(key, 16);
        using var output = new MemoryStream();
        var offset = 20;
        uint index = 0;
        do
        {
            var sealedLength = Math.Min(segmentSize + 16, download.Length - offset);
            if (sealedLength < 16)
            {
                throw new CryptographicException("truncated tag");
            }

            var isLast = offset + sealedLength == download.Length;
            var nonce = new byte[12];
            noncePrefix.CopyTo(nonce);
            BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(8), index);
            var aad = new byte[21];
            header.CopyTo(aad);
            aad[20] = isLast ? (byte)1 : (byte)0;

            var textLength = sealedLength - 16;
            var plaintext = new byte[textLength];
            aes.Decrypt(nonce, download.AsSpan(offset, textLength), download.AsSpan(offset + textLength, 16), plaintext, aad);
            output.Write(plaintext);
            offset += sealedLength;
            index++;
        }
        while (offset < download.Length);

        return output.ToArray();
    }
}
