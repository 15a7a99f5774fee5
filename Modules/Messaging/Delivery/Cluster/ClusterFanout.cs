using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Users;
using ZiyadMessenger.Modules.Messaging.Views;

namespace ZiyadMessenger.Modules.Messaging.Delivery.Cluster;

/// <summary>
/// Delivery when several nodes share one PostgreSQL database. Stands in front of this node's
/// <see cref="LocalFanout"/>: every event goes through the <see cref="ChannelSequencer"/>, so a channel's
/// messages reach this node's sockets once and in seq order whichever node committed them. What this node
/// commits (other than new messages, which the committing batch signals itself) is sent to the other
/// nodes as a <see cref="DeliverySignal"/>; what they send is read back from the store and delivered here.
/// After the listener (re)connects, channels and memberships are re-read and every channel with a reader
/// here is read from its last delivered seq: signals sent meanwhile are gone, the rows are not.
/// </summary>
internal sealed class ClusterFanout : BackgroundService, IFanout
{
    private readonly LocalFanout _local;
    private readonly IClusterBus _bus;
    private readonly ChannelDirectory _channels;
    private readonly ConnectionRegistry _connections;
    private readonly UserDirectory _users;
    private readonly IMessageStore _store;
    private readonly MessageViews _views;
    private readonly IDbContextFactory<MessagingDbContext> _contexts;
    private readonly ILogger<ClusterFanout> _logger;
    private readonly ChannelSequencer _sequencer;
    private readonly Channel<DeliverySignal> _outbox = Channel.CreateUnbounded<DeliverySignal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<IDisposable> _subscriptions = [];

    public ClusterFanout(LocalFanout local, IClusterBus bus, ChannelDirectory channels, ConnectionRegistry connections, UserDirectory users,
        IMessageStore store, MessageViews views, IDbContextFactory<MessagingDbContext> contexts, ILogger<ClusterFanout> logger)
    {
        _local = local;
        _bus = bus;
        _channels = channels;
        _connections = connections;
        _users = users;
        _store = store;
        _views = views;
        _contexts = contexts;
        _logger = logger;
        _sequencer = new ChannelSequencer(
            (channelId, after, limit, ct) => store.ReadAsync(channelId, before: null, after: after, limit, ct),
            Deliver,
            HasReaders,
            logger);
    }

    internal ChannelSequencer Sequencer => _sequencer;

    public void Publish(FanoutEvent fanoutEvent)
    {
        if (ChannelOf(fanoutEvent) is not { } channelId)
        {
            _local.Publish(fanoutEvent);
            return;
        }

        _sequencer.Local(channelId, fanoutEvent);
        foreach (var signal in DeliverySignal.From(fanoutEvent))
        {
            _outbox.Writer.TryWrite(signal);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Whatever the directory loaded at start-up was committed before any socket here could open.
        foreach (var channel in _channels.All)
        {
            _sequencer.StartAt(channel.Id, channel.LastSeq);
        }

        _subscriptions.Add(_bus.Subscribe(MessageSignals.Topic, OnMessagesAsync));
        _subscriptions.Add(_bus.Subscribe(DeliverySignals.Topic, OnDeliveryAsync));
        _subscriptions.Add(_bus.Subscribe(ChannelSignals.Topic, OnChannelAsync));
        _bus.Resynchronize += ResynchronizeAsync;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _bus.Resynchronize -= ResynchronizeAsync;
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _outbox.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        _sequencer.Stop();
    }

    /// <summary>Sends this node's events to the others, in commit order, as few notifications as fit.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _outbox.Reader;
        var batch = new List<DeliverySignal>();
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < 500 && reader.TryRead(out var signal))
            {
                batch.Add(signal);
            }

            foreach (var payload in DeliverySignals.Encode(batch))
            {
                // A lost signal costs the other nodes a live event (typing, a reaction), never a message:
                // clients that reconnect read the state from the store.
                await _bus.PublishAsync(DeliverySignals.Topic, payload, CancellationToken.None);
            }
        }
    }

    private void Deliver(FanoutEvent fanoutEvent)
    {
        if (fanoutEvent is MessageCreated created)
        {
            _channels.Find(created.Message.ChannelId)?.AdvanceSeq(created.Message.Seq);
        }

        _local.Publish(fanoutEvent);
    }

    private bool HasReaders(string channelId)
    {
        if (_channels.Find(channelId) is not { } channel)
        {
            return false;
        }

        if (channel.IsPublic)
        {
            return !_connections.All.IsEmpty;
        }

        foreach (var member in channel.Members)
        {
            if (!_connections.OfUser(member).IsEmpty)
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask OnMessagesAsync(ClusterSignal signal, CancellationToken cancellationToken)
    {
        if (!MessageSignals.TryDecode(signal.Payload, out var highest))
        {
            _logger.LogWarning("Ignored a {Topic} signal that is not one", MessageSignals.Topic);
            return;
        }

        foreach (var (channelId, seq) in highest)
        {
            if (_channels.Find(channelId) is null)
            {
                // Created on another node a moment ago (its own signal may still be on its way).
                await RefreshChannelAsync(channelId, cancellationToken);
            }

            _channels.Find(channelId)?.AdvanceSeq(seq);
            _sequencer.Committed(channelId, seq);
        }
    }

    private ValueTask OnDeliveryAsync(ClusterSignal signal, CancellationToken cancellationToken)
    {
        foreach (var s in DeliverySignals.Decode(signal.Payload))
        {
            switch (s.Kind)
            {
                case DeliverySignal.Typing when s.UserId is { } user:
                    _sequencer.Remote(s.ChannelId, 0, _ => Task.FromResult<FanoutEvent?>(new UserTyping(s.ChannelId, user)));
                    break;
                case DeliverySignal.Read when s.UserId is { } user:
                    _sequencer.Remote(s.ChannelId, 0, _ => Task.FromResult<FanoutEvent?>(new ReadMoved(s.ChannelId, user, s.Seq)));
                    break;
                case DeliverySignal.Reaction when s is { MessageId: { } id, UserId: { } user, Emoji: { } emoji }:
                    _sequencer.Remote(s.ChannelId, 0, _ => Task.FromResult<FanoutEvent?>(new ReactionChanged(id, s.ChannelId, emoji, user, s.On)));
                    break;
                case DeliverySignal.Pin when s is { MessageId: { } id, UserId: { } user }:
                    _sequencer.Remote(s.ChannelId, 0, _ => Task.FromResult<FanoutEvent?>(new PinChanged(id, s.ChannelId, user, s.On)));
                    break;
                case DeliverySignal.Updated when s.MessageId is { } id:
                    _sequencer.Remote(s.ChannelId, s.Seq, async ct =>
                        await _store.FindAsync(id, ct) is { DeletedAt: null } edited
                            ? new MessageUpdated(edited, await _views.ToViewAsync(edited, ct))
                            : null);
                    break;
                case DeliverySignal.Deleted when s.MessageId is { } id:
                    _sequencer.Remote(s.ChannelId, s.Seq, async ct =>
                        await _store.FindAsync(id, ct) is { DeletedAt: not null } deleted ? new MessageRemoved(deleted) : null);
                    break;
                case DeliverySignal.Mention when s is { MessageId: { } id, UserIds: { Count: > 0 } users }:
                    _sequencer.Remote(s.ChannelId, s.Seq, async ct =>
                        await _store.FindAsync(id, ct) is { } message ? new UsersMentioned(message, users) : null);
                    break;
                default:
                    _logger.LogDebug("Ignored a {Kind} delivery signal", s.Kind);
                    break;
            }
        }

        return ValueTask.CompletedTask;
    }

    private async ValueTask OnChannelAsync(ClusterSignal signal, CancellationToken cancellationToken) =>
        await RefreshChannelAsync(signal.Payload, cancellationToken);

    private async Task RefreshChannelAsync(string channelId, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await _channels.RefreshAsync(db, channelId, cancellationToken);
    }

    private async ValueTask ResynchronizeAsync(CancellationToken cancellationToken)
    {
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            await _channels.ReloadAsync(db, cancellationToken);
        }

        _users.ForgetAll();
        var caughtUp = 0;
        foreach (var channel in _channels.All)
        {
            if (HasReaders(channel.Id))
            {
                _sequencer.CatchUp(channel.Id);
                caughtUp++;
            }
        }

        _logger.LogInformation("In step with the other nodes again: channels re-read, {Count} channels read from their last delivered seq", caughtUp);
    }

    private static string? ChannelOf(FanoutEvent fanoutEvent) => fanoutEvent switch
    {
        MessageCreated e => e.Message.ChannelId,
        MessageUpdated e => e.Message.ChannelId,
        MessageRemoved e => e.Message.ChannelId,
        UsersMentioned e => e.Message.ChannelId,
        ReactionChanged e => e.ChannelId,
        PinChanged e => e.ChannelId,
        UserTyping e => e.ChannelId,
        ReadMoved e => e.ChannelId,
        _ => null,
    };
}

/// <summary>"This channel or its membership changed": the receiver re-reads the channel and its members.</summary>
internal sealed class ChannelSignals(IClusterBus bus)
{
    public const string Topic = "channels";

    public async Task ChangedAsync(string channelId)
    {
        if (bus.IsClustered)
        {
            await bus.PublishAsync(Topic, channelId, CancellationToken.None);
        }
    }
}
