using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Channels;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// The one way in for a new message, shared by the WebSocket and <c>POST /send</c>: checks the fields,
/// resolves the channel (creating a DM on first use) from the in-memory directory, and queues it for
/// the writer. Nothing here touches the database unless a DM is being created.
/// </summary>
internal sealed class MessageIntake(ChannelAccess access, MessageWriter writer, IMessageStore store, MessagingOptions options)
{
    public const int MaxChannelIdLength = 160;
    public const int MaxClientMsgIdLength = 128;
    public const int MaxSealLength = 1024;
    public const int MaxRootIdLength = 64;

    /// <summary>
    /// Validates and queues; returns once the message is in the writer's queue (so a socket's sends keep
    /// their order) with a task that completes after the commit.
    /// </summary>
    public async ValueTask<Task<SendResult>> SubmitAsync(string senderId, SendRequest request, CancellationToken cancellationToken)
    {
        var fields = Validate(request);
        var channel = await access.ForSendAsync(senderId, request.ChannelId!, cancellationToken);
        // Only replies pay for a lookup; a top-level send still touches no database before the writer.
        var rootId = request.RootId is null ? null : await ThreadRootAsync(request.RootId, channel.Id, cancellationToken);
        var pending = new PendingMessage(Guid.CreateVersion7().ToString(), channel.Id, senderId, fields.Type, fields.Content,
            fields.Nonce, fields.Signature, request.ClientMsgId, rootId);
        return await writer.EnqueueAsync(pending, cancellationToken);
    }

    /// <summary>The root a reply attaches to: the named message, or its root when it is a reply itself (threads are one level deep).</summary>
    private async ValueTask<string> ThreadRootAsync(string rootId, string channelId, CancellationToken cancellationToken)
    {
        var parent = rootId.Length is 0 or > MaxRootIdLength ? null : await store.FindAsync(rootId, cancellationToken);
        // A message of another channel is reported like an unknown one: the sender may not be able to read it.
        if (parent is null || parent.ChannelId != channelId)
        {
            throw AppException.Field("root_id", "root_id must be the id of a message in the same channel.");
        }

        return parent.RootId ?? parent.Id;
    }

    public ContentFields Validate(SendRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.ChannelId))
        {
            throw AppException.Field("channel_id", "channel_id is required.");
        }

        if (request.ChannelId.Length > MaxChannelIdLength)
        {
            throw AppException.Field("channel_id", "channel_id is too long.");
        }

        if (request.ClientMsgId is { } clientMsgId && (clientMsgId.Length is 0 or > MaxClientMsgIdLength || clientMsgId.Any(char.IsControl)))
        {
            throw AppException.Field("client_msg_id", $"client_msg_id must be 1-{MaxClientMsgIdLength} printable characters.");
        }

        return ValidateContent(request.Type, request.Content, request.Nonce, request.Signature);
    }

    public ContentFields ValidateContent(int? type, string? content, string? nonce, string? signature)
    {
        var messageType = type ?? 0;
        if (messageType is < 0 or > 255)
        {
            throw AppException.Field("type", "type must be an integer from 0 to 255.");
        }

        if (string.IsNullOrEmpty(content))
        {
            throw AppException.Field("content", "content is required (base64).");
        }

        var max = options.MaxContentBytes;
        if (content.Length > (max + 2) / 3 * 4)
        {
            throw new AppException(413, $"content is larger than {max} bytes.", new Dictionary<string, string[]> { ["content"] = [$"content may be at most {max} bytes once decoded."] });
        }

        var buffer = new byte[content.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(content, buffer, out var written))
        {
            throw AppException.Field("content", "content must be valid base64.");
        }

        if (written > max)
        {
            throw new AppException(413, $"content is larger than {max} bytes.", new Dictionary<string, string[]> { ["content"] = [$"content may be at most {max} bytes once decoded."] });
        }

        return new ContentFields(messageType, buffer.AsSpan(0, written).ToArray(), CheckSeal("nonce", nonce), CheckSeal("signature", signature));
    }

    /// <summary>nonce and signature: absent, empty (compat) or base64 of modest size.</summary>
    private static string? CheckSeal(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value;
        }

        if (value.Length > MaxSealLength)
        {
            throw AppException.Field(field, $"{field} may be at most {MaxSealLength} characters.");
        }

        Span<byte> scratch = stackalloc byte[MaxSealLength];
        if (!Convert.TryFromBase64String(value, scratch, out _))
        {
            throw AppException.Field(field, $"{field} must be valid base64.");
        }

        return value;
    }
}

internal readonly record struct ContentFields(int Type, byte[] Content, string? Nonce, string? Signature);
