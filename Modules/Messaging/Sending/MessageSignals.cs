using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// The signal a committing batch of messages sends to the other nodes: for each channel it wrote to, the
/// highest seq it committed (<c>{"channel-id": 42}</c>), never content. A receiving node reads the rows
/// above the last seq it delivered for that channel, so a lost or merged signal leaves no gap. A batch
/// that touched many channels sends several signals, each under <see cref="ClusterWire.MaxPayloadBytes"/>.
/// </summary>
internal static class MessageSignals
{
    public const string Topic = "messages";

    /// <summary>Room left in a payload for the instance id and topic the wire adds.</summary>
    private const int PayloadBudget = ClusterWire.MaxPayloadBytes - 128;

    public static IEnumerable<string> Encode(IReadOnlyDictionary<string, long> highestSeqByChannel)
    {
        var part = new Dictionary<string, long>();
        var bytes = 2;
        foreach (var (channelId, seq) in highestSeqByChannel)
        {
            var entry = Encoding.UTF8.GetByteCount(channelId) + 24;
            if (part.Count > 0 && bytes + entry > PayloadBudget)
            {
                yield return JsonSerializer.Serialize(part);
                part = [];
                bytes = 2;
            }

            part[channelId] = seq;
            bytes += entry;
        }

        if (part.Count > 0)
        {
            yield return JsonSerializer.Serialize(part);
        }
    }

    public static bool TryDecode(string payload, out IReadOnlyDictionary<string, long> highestSeqByChannel)
    {
        try
        {
            highestSeqByChannel = JsonSerializer.Deserialize<Dictionary<string, long>>(payload) ?? [];
            return true;
        }
        catch (JsonException)
        {
            highestSeqByChannel = new Dictionary<string, long>();
            return false;
        }
    }
}
