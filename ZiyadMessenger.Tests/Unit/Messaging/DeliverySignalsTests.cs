using System.Text;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Delivery.Cluster;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Tests.Unit.Messaging;

/// <summary>What crosses to the other nodes: ids and flags only, every notification under PostgreSQL's limit.</summary>
public sealed class DeliverySignalsTests
{
    [Fact]
    public void An_at_channel_of_a_large_office_is_split_over_notifications_that_each_fit_and_lose_nobody()
    {
        var message = new StoredMessage("m1", "general", 7, "sender", 1, 1, Encoding.UTF8.GetBytes("secret words @channel"), null, null, null, null, null);
        var users = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid().ToString()).ToList();

        var payloads = DeliverySignals.Encode(DeliverySignal.From(new UsersMentioned(message, users))).ToList();

        payloads.Should().HaveCountGreaterThan(1);
        payloads.Should().OnlyContain(p => Encoding.UTF8.GetByteCount(ClusterWire.Encode(Guid.NewGuid().ToString("N"), DeliverySignals.Topic, p)) <= ClusterWire.MaxPayloadBytes);
        payloads.Should().NotContain(p => p.Contains("secret", StringComparison.Ordinal), "content never crosses");
        var decoded = payloads.SelectMany(DeliverySignals.Decode).ToList();
        decoded.Should().OnlyContain(s => s.Kind == DeliverySignal.Mention && s.MessageId == "m1" && s.Seq == 7 && s.ChannelId == "general");
        decoded.SelectMany(s => s.UserIds!).Should().Equal(users);
    }

    [Fact]
    public void Many_small_events_share_one_notification_in_their_order()
    {
        var events = Enumerable.Range(0, 20).Select(i => (FanoutEvent)new UserTyping($"c{i}", $"u{i}")).Append(new ReactionChanged("m", "c", "👍", "u", false));

        var payloads = DeliverySignals.Encode(events.SelectMany(DeliverySignal.From)).ToList();

        payloads.Should().ContainSingle();
        var decoded = DeliverySignals.Decode(payloads[0]);
        decoded.Take(20).Select(s => s.ChannelId).Should().Equal(Enumerable.Range(0, 20).Select(i => $"c{i}"));
        decoded[20].Should().Be(new DeliverySignal(DeliverySignal.Reaction, "c", "m", UserId: "u", Emoji: "👍", On: false));
    }

    [Fact]
    public void A_payload_that_is_not_a_list_of_signals_decodes_to_nothing()
    {
        DeliverySignals.Decode("not json").Should().BeEmpty();
        DeliverySignals.Decode("{\"k\":1}").Should().BeEmpty();
    }
}
