using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// Delivery on this node. One loop takes events in publish order, so every socket sees a channel's
/// messages in seq order. Each event is serialized once per protocol version and the same bytes are
/// queued on every recipient socket. Recipients come from the in-memory channel directory, so a
/// membership change applies to the very next event.
/// </summary>
internal sealed class LocalFanout(ChannelDirectory channels, ConnectionRegistry connections, ILogger<LocalFanout> logger) : BackgroundService, IFanout
{
    private readonly Channel<FanoutEvent> _events = Channel.CreateUnbounded<FanoutEvent>(new UnboundedChannelOptions { SingleReader = true });

    public void Publish(FanoutEvent fanoutEvent)
    {
        if (!_events.Writer.TryWrite(fanoutEvent))
        {
            logger.LogDebug("Fan-out stopped; {Event} not delivered", fanoutEvent.GetType().Name);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (reader.TryRead(out var fanoutEvent))
            {
                try
                {
                    Deliver(fanoutEvent);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "Delivering {Event} failed", fanoutEvent.GetType().Name);
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _events.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private void Deliver(FanoutEvent fanoutEvent)
    {
        switch (fanoutEvent)
        {
            case MessageCreated created:
            {
                var view = created.Message.ToView();
                Send(ReadersOf(created.Message.ChannelId), new Frames(() => WireJson.Bare(view), () => WireJson.Envelope(ServerEvents.Message, view)));
                break;
            }

            case MessageUpdated updated:
            {
                var view = updated.View;
                Send(ReadersOf(updated.Message.ChannelId), new Frames(null, () => WireJson.Envelope(ServerEvents.MessageUpdated, view)));
                break;
            }

            case MessageRemoved removed:
            {
                var m = removed.Message;
                var data = new DeletedData(m.Id, m.ChannelId, m.Seq, m.SenderId);
                Send(ReadersOf(m.ChannelId), new Frames(null, () => WireJson.Envelope(ServerEvents.MessageDeleted, data)));
                break;
            }

            case ReactionChanged reaction:
            {
                var data = new ReactionData(reaction.MessageId, reaction.ChannelId, reaction.Emoji, reaction.UserId);
                var name = reaction.Added ? ServerEvents.ReactionAdded : ServerEvents.ReactionRemoved;
                Send(ReadersOf(reaction.ChannelId), new Frames(null, () => WireJson.Envelope(name, data)));
                break;
            }

            case PinChanged pin:
            {
                var data = new PinData(pin.MessageId, pin.ChannelId, pin.UserId);
                var name = pin.Pinned ? ServerEvents.MessagePinned : ServerEvents.MessageUnpinned;
                Send(ReadersOf(pin.ChannelId), new Frames(null, () => WireJson.Envelope(name, data)));
                break;
            }

            case UserTyping typing:
            {
                var data = new TypingData(typing.ChannelId, typing.UserId);
                Send(ReadersOf(typing.ChannelId), new Frames(null, () => WireJson.Envelope(ServerEvents.Typing, data)), skipUser: typing.UserId);
                break;
            }

            case ReadMoved read:
            {
                var frames = new Frames(null, () => WireJson.Envelope(ServerEvents.Read, new ReadData(read.ChannelId, read.UserId, read.Seq)));
                Send(connections.OfUser(read.UserId), frames);
                if (channels.Find(read.ChannelId) is { Type: ChannelTypes.Direct } dm)
                {
                    foreach (var other in dm.Members)
                    {
                        if (other != read.UserId)
                        {
                            Send(connections.OfUser(other), frames);
                        }
                    }
                }

                break;
            }

            case PresenceMoved presence:
            {
                var data = new PresenceData(presence.UserId, presence.Status, presence.LastSeen);
                Send(connections.All, new Frames(null, () => WireJson.Envelope(ServerEvents.Presence, data)));
                break;
            }
        }
    }

    /// <summary>Every socket allowed to read the channel: all of them for a public channel, members' otherwise.</summary>
    private IEnumerable<ClientConnection> ReadersOf(string channelId)
    {
        var channel = channels.Find(channelId);
        if (channel is null)
        {
            return [];
        }

        if (channel.IsPublic)
        {
            return connections.All;
        }

        return MembersSockets(channel.Members);
    }

    private IEnumerable<ClientConnection> MembersSockets(ImmutableHashSet<string> members)
    {
        foreach (var member in members)
        {
            foreach (var socket in connections.OfUser(member))
            {
                yield return socket;
            }
        }
    }

    private static void Send(IEnumerable<ClientConnection> recipients, Frames frames, string? skipUser = null)
    {
        foreach (var socket in recipients)
        {
            if (skipUser is not null && socket.UserId == skipUser)
            {
                continue;
            }

            var frame = frames.For(socket.Version);
            if (frame is not null)
            {
                socket.TrySend(frame);
            }
        }
    }

    /// <summary>An event's bytes per protocol version, made at most once, when the first recipient needs them.</summary>
    private sealed class Frames(Func<byte[]>? v1, Func<byte[]> v2)
    {
        private byte[]? _v1;
        private byte[]? _v2;

        /// <summary>v1 sockets get messages only (compat); null means "nothing for this socket".</summary>
        public byte[]? For(int version) => version == 1
            ? v1 is null ? null : _v1 ??= v1()
            : _v2 ??= v2();
    }
}
