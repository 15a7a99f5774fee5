namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>A message as stored. Content is the decoded bytes; the wire carries base64.</summary>
internal sealed record StoredMessage(
    string Id,
    string ChannelId,
    long Seq,
    string SenderId,
    long Timestamp,
    int Type,
    byte[] Content,
    string? Nonce,
    string? Signature,
    string? ClientMsgId,
    long? EditedAt,
    long? DeletedAt,
    string? RootId = null,
    int ReplyCount = 0,
    long? LastReplyAt = null)
{
    /// <summary>The message object without what lives beside the message (reactions): see Views.MessageViews for pages.</summary>
    public MessageView ToView() => new(
        Id, ChannelId, SenderId, Timestamp, Type,
        DeletedAt is null ? Convert.ToBase64String(Content) : "",
        DeletedAt is null ? Nonce : null,
        DeletedAt is null ? Signature : null,
        Seq, ClientMsgId, EditedAt, DeletedAt is not null, RootId, ReplyCount, LastReplyAt, ReactionView.None);
}

/// <summary>One emoji on a message: how many users used it, and who (in the order they reacted).</summary>
internal sealed record ReactionView(string Emoji, int Count, IReadOnlyList<string> UserIds)
{
    public static readonly IReadOnlyList<ReactionView> None = [];
}

/// <summary>
/// The message object of the wire contract (field names become snake_case). Not sealed: a listing that adds
/// fields to each message (pins: pinned_by; search: highlight) derives from it, so the message stays flat.
/// </summary>
internal record MessageView(
    string Id,
    string ChannelId,
    string SenderId,
    long Timestamp,
    int Type,
    string Content,
    string? Nonce,
    string? Signature,
    long Seq,
    string? ClientMsgId,
    long? EditedAt,
    bool Deleted,
    string? RootId,
    int ReplyCount,
    long? LastReplyAt,
    IReadOnlyList<ReactionView> Reactions);

/// <summary>The body of a send, over the WebSocket or <c>POST /send</c>.</summary>
/// <param name="RootId">Makes the message a reply in the thread of that message (or of its root, when it is itself a reply).</param>
internal sealed record SendRequest(string? ChannelId, int? Type, string? Content, string? Nonce, string? Signature, string? ClientMsgId, string? RootId = null);

/// <summary>A validated send waiting for the writer; completed after its batch commits.</summary>
internal sealed class PendingMessage(string id, string channelId, string senderId, int type, byte[] content, string? nonce, string? signature, string? clientMsgId,
    string? rootId = null)
{
    public string Id { get; } = id;
    public string ChannelId { get; } = channelId;
    public string SenderId { get; } = senderId;
    public int Type { get; } = type;
    public byte[] Content { get; } = content;
    public string? Nonce { get; } = nonce;
    public string? Signature { get; } = signature;
    public string? ClientMsgId { get; } = clientMsgId;
    /// <summary>The thread's root (already resolved to a top-level message of the same channel), or null.</summary>
    public string? RootId { get; } = rootId;

    public TaskCompletionSource<SendResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <param name="Duplicate">The client_msg_id was seen before: <paramref name="Message"/> is the first message, nothing new was stored.</param>
internal sealed record SendResult(StoredMessage Message, bool Duplicate);

/// <summary>What the store did with one message of a batch.</summary>
internal readonly record struct AppendOutcome(StoredMessage? Message, bool Duplicate, Exception? Error);
