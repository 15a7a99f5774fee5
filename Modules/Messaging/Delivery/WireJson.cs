using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>The JSON of the WebSocket, the same snake_case the HTTP endpoints use.</summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static byte[] Bare<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>A v2 frame: <c>{"event": name, "data": {...}}</c>.</summary>
    public static byte[] Envelope<T>(string name, T data) => JsonSerializer.SerializeToUtf8Bytes(new Envelope<T>(name, data), Options);
}

internal sealed record Envelope<T>(string Event, T Data);

internal static class ServerEvents
{
    public const string Message = "message";
    public const string MessageUpdated = "message_updated";
    public const string MessageDeleted = "message_deleted";
    public const string Ack = "ack";
    public const string Error = "error";
    public const string Typing = "typing";
    public const string Read = "read";
    public const string Presence = "presence";
    public const string Pong = "pong";
    public const string ReactionAdded = "reaction_added";
    public const string ReactionRemoved = "reaction_removed";
    public const string MessagePinned = "message_pinned";
    public const string MessageUnpinned = "message_unpinned";
}

internal sealed record AckData(string? ClientMsgId, string MessageId, string ChannelId, long Seq, long Timestamp, bool Duplicate);
internal sealed record ErrorData(string? ClientMsgId, int Status, string Error);
internal sealed record TypingData(string ChannelId, string UserId);
internal sealed record ReadData(string ChannelId, string UserId, long Seq);
internal sealed record PresenceData(string UserId, int Status, DateTimeOffset? LastSeen);
internal sealed record DeletedData(string Id, string ChannelId, long Seq, string SenderId);
internal sealed record ReactionData(string MessageId, string ChannelId, string Emoji, string UserId);
internal sealed record PinData(string MessageId, string ChannelId, string UserId);
