using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ZiyadMessenger.Bench.Infrastructure;

internal enum FrameKind
{
    Other,
    Message,
    Ack,
    Error,
}

/// <summary>
/// The v2 WebSocket frames the bench sends and reads. Every message's content starts with 12 bytes:
/// the send time (Stopwatch ticks, this process's clock) and the run's tag, so that receivers measure
/// send→deliver latency without any shared state, and ignore traffic that is not theirs.
/// </summary>
internal sealed class Protocol
{
    public const int HeaderBytes = 12; // a multiple of 3: its base64 can be glued to the padding's base64
    private readonly byte[] _paddingBase64;
    private readonly string _idPrefix;

    /// <param name="words">
    /// Pad with words (and an <c>@mention</c> of nobody) instead of one long run of letters, so that the
    /// server's full-text index and mention parser do the work a real text message gives them.
    /// </param>
    public Protocol(int tag, int contentBytes, bool words = false)
    {
        Tag = tag;
        _idPrefix = $"b{tag:x8}-";
        ContentBytes = Math.Max(HeaderBytes, contentBytes);
        var padding = new byte[ContentBytes - HeaderBytes];
        for (var i = 0; i < padding.Length; i++)
        {
            padding[i] = (byte)('a' + (i % 26));
        }

        if (words)
        {
            var text = Encoding.ASCII.GetBytes(
                " the weekly meeting moves to thursday @nobody please bring the budget report and your questions for the team lead " +
                "we also need volunteers for the office party next month and someone to order lunch for the visitors from jakarta ");
            for (var i = 0; i < padding.Length; i++)
            {
                padding[i] = text[i % text.Length];
            }
        }

        _paddingBase64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(padding));
    }

    public int Tag { get; }
    public int ContentBytes { get; }

    public static double MicrosSince(long ticks) => (Stopwatch.GetTimestamp() - ticks) * 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>A <c>send</c> frame; the client_msg_id carries the send time too, so acks can be timed.</summary>
    public void WriteSend(ArrayBufferWriter<byte> buffer, string channelId, int sender, long counter, long sendTicks, int type = 1)
    {
        buffer.ResetWrittenCount();
        Append(buffer, "{\"event\":\"send\",\"data\":{\"channel_id\":\"");
        Append(buffer, channelId);
        Append(buffer, "\",\"type\":");
        Append(buffer, type.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Append(buffer, ",\"client_msg_id\":\"");
        AppendClientMsgId(buffer, sender, counter, sendTicks);
        Append(buffer, "\",\"content\":\"");
        AppendContent(buffer, sendTicks);
        Append(buffer, "\"}}");
    }

    /// <summary>The JSON body of <c>POST /send</c>.</summary>
    public byte[] SendBody(string channelId, int sender, long counter, long sendTicks)
    {
        var buffer = new ArrayBufferWriter<byte>(ContentBytes * 2 + 128);
        Append(buffer, "{\"channel_id\":\"");
        Append(buffer, channelId);
        Append(buffer, "\",\"type\":1,\"client_msg_id\":\"");
        AppendClientMsgId(buffer, sender, counter, sendTicks);
        Append(buffer, "\",\"content\":\"");
        AppendContent(buffer, sendTicks);
        Append(buffer, "\"}");
        return buffer.WrittenSpan.ToArray();
    }

    private void AppendClientMsgId(ArrayBufferWriter<byte> buffer, int sender, long counter, long sendTicks) =>
        Append(buffer, $"{_idPrefix}{sender}-{counter}-{sendTicks}");

    private void AppendContent(ArrayBufferWriter<byte> buffer, long sendTicks)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteInt64LittleEndian(header, sendTicks);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Tag);
        var span = buffer.GetSpan(16);
        Base64.EncodeToUtf8(header, span, out _, out var written);
        buffer.Advance(written);
        buffer.Write(_paddingBase64);
    }

    private static void Append(ArrayBufferWriter<byte> buffer, string ascii)
    {
        var span = buffer.GetSpan(ascii.Length);
        var n = Encoding.ASCII.GetBytes(ascii, span);
        buffer.Advance(n);
    }

    /// <summary>
    /// Reads a server frame: its event, and for this run's messages and acks the send time they carry
    /// (0 when the frame is not ours). Only the fields needed are decoded.
    /// </summary>
    public FrameKind Parse(ReadOnlySpan<byte> frame, out long sendTicks)
    {
        sendTicks = 0;
        var kind = FrameKind.Other;
        long contentTicks = 0, idTicks = 0;
        var reader = new Utf8JsonReader(frame);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.CurrentDepth == 1 && reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    kind = reader.ValueTextEquals("message"u8) ? FrameKind.Message
                        : reader.ValueTextEquals("ack"u8) ? FrameKind.Ack
                        : reader.ValueTextEquals("error"u8) ? FrameKind.Error
                        : FrameKind.Other;
                }
                else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        contentTicks = ReadContentTicks(ref reader);
                    }
                }
                else if (reader.CurrentDepth == 2 && reader.ValueTextEquals("client_msg_id"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        idTicks = ReadIdTicks(reader.GetString());
                    }
                }
            }
        }
        catch (JsonException)
        {
            return FrameKind.Other;
        }

        sendTicks = kind == FrameKind.Message ? contentTicks : idTicks;
        return kind;
    }

    private long ReadContentTicks(ref Utf8JsonReader reader)
    {
        Span<byte> prefix = stackalloc byte[16];
        if (!reader.ValueIsEscaped)
        {
            if (reader.ValueSpan.Length < 16)
            {
                return 0;
            }

            reader.ValueSpan[..16].CopyTo(prefix);
        }
        else
        {
            // The server's encoder may escape '+' and '/' as \uXXXX: unescape the whole string.
            var rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
            try
            {
                var n = reader.CopyString(rented);
                if (n < 16)
                {
                    return 0;
                }

                rented.AsSpan(0, 16).CopyTo(prefix);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        Span<byte> header = stackalloc byte[HeaderBytes];
        if (Base64.DecodeFromUtf8(prefix, header, out _, out var written) != OperationStatus.Done || written != HeaderBytes)
        {
            return 0;
        }

        return BinaryPrimitives.ReadInt32LittleEndian(header[8..]) == Tag ? BinaryPrimitives.ReadInt64LittleEndian(header) : 0;
    }

    private long ReadIdTicks(string? clientMsgId)
    {
        if (clientMsgId is null || !clientMsgId.StartsWith(_idPrefix, StringComparison.Ordinal))
        {
            return 0;
        }

        var last = clientMsgId.LastIndexOf('-');
        return long.TryParse(clientMsgId.AsSpan(last + 1), out var ticks) ? ticks : 0;
    }
}
