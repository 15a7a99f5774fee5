using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Messaging.Delivery.Cluster;

/// <summary>
/// One event another node's sockets should see, as the origin sends it after its commit: ids, seqs and
/// flags, never content. The receiver reads the message itself (edits, deletes, mentions) from the store.
/// New messages are not sent this way: the committing batch signals them (Sending/MessageSignals).
/// </summary>
internal sealed record DeliverySignal(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("c")] string ChannelId,
    [property: JsonPropertyName("m")] string? MessageId = null,
    [property: JsonPropertyName("s")] long Seq = 0,
    [property: JsonPropertyName("u")] string? UserId = null,
    [property: JsonPropertyName("e")] string? Emoji = null,
    [property: JsonPropertyName("a")] bool On = false,
    [property: JsonPropertyName("us")] IReadOnlyList<string>? UserIds = null)
{
    public const string Updated = "updated";
    public const string Deleted = "deleted";
    public const string Reaction = "reaction";
    public const string Pin = "pin";
    public const string Typing = "typing";
    public const string Read = "read";
    public const string Mention = "mention";

    /// <summary>Mentioned users per signal: an @channel of a large office is split over several.</summary>
    public const int UsersPerSignal = 100;

    /// <summary>The same event as this node's fan-out carries it; null for what does not cross (new messages, presence).</summary>
    public static IEnumerable<DeliverySignal> From(FanoutEvent fanoutEvent)
    {
        switch (fanoutEvent)
        {
            case MessageUpdated u:
                yield return new DeliverySignal(Updated, u.Message.ChannelId, u.Message.Id, u.Message.Seq);
                break;
            case MessageRemoved r:
                yield return new DeliverySignal(Deleted, r.Message.ChannelId, r.Message.Id, r.Message.Seq);
                break;
            case ReactionChanged r:
                yield return new DeliverySignal(Reaction, r.ChannelId, r.MessageId, UserId: r.UserId, Emoji: r.Emoji, On: r.Added);
                break;
            case PinChanged p:
                yield return new DeliverySignal(Pin, p.ChannelId, p.MessageId, UserId: p.UserId, On: p.Pinned);
                break;
            case UserTyping t:
                yield return new DeliverySignal(Typing, t.ChannelId, UserId: t.UserId);
                break;
            case ReadMoved r:
                yield return new DeliverySignal(Read, r.ChannelId, Seq: r.Seq, UserId: r.UserId);
                break;
            case UsersMentioned m:
                foreach (var chunk in m.UserIds.Chunk(UsersPerSignal))
                {
                    yield return new DeliverySignal(Mention, m.Message.ChannelId, m.Message.Id, m.Message.Seq, UserIds: chunk);
                }

                break;
        }
    }
}

/// <summary>Several events in one notification (a JSON array), each notification under the bus's limit.</summary>
internal static class DeliverySignals
{
    public const string Topic = "delivery";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault };

    /// <summary>Room left for the instance id and topic the wire adds.</summary>
    private const int Budget = ClusterWire.MaxPayloadBytes - 128;

    public static IEnumerable<string> Encode(IEnumerable<DeliverySignal> signals)
    {
        var part = new StringBuilder("[");
        var bytes = 1;
        foreach (var signal in signals)
        {
            var one = JsonSerializer.Serialize(signal, Json);
            var size = Encoding.UTF8.GetByteCount(one) + 1;
            if (bytes > 1 && bytes + size + 1 > Budget)
            {
                yield return part.Append(']').ToString();
                part.Clear().Append('[');
                bytes = 1;
            }

            if (bytes > 1)
            {
                part.Append(',');
            }

            part.Append(one);
            bytes += size;
        }

        if (bytes > 1)
        {
            yield return part.Append(']').ToString();
        }
    }

    public static IReadOnlyList<DeliverySignal> Decode(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<List<DeliverySignal>>(payload, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
