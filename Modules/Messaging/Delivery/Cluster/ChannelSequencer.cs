using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Delivery.Cluster;

/// <summary>Reads a channel's committed messages with a seq above <c>after</c>, ascending, at most <c>limit</c>.</summary>
internal delegate Task<IReadOnlyList<StoredMessage>> ReadAfter(string channelId, long after, int limit, CancellationToken cancellationToken);

/// <summary>
/// Hands this node's sockets every message of a channel once, in seq order, whichever node committed it.
/// For each channel it remembers the last seq delivered. A message this node committed goes straight
/// through when it is the next one; anything else (a signal that another node committed up to some seq, a
/// message that arrives after a jump, a resynchronization) reads the missing rows from the store, which
/// is the truth: a lost or merged signal leaves no gap, a repeated one delivers nothing twice. Other events
/// of the channel (edits, reactions, typing) wait behind a read in progress, so they never overtake the
/// message they are about. Channels are independent: one channel's read does not hold up another's.
/// </summary>
internal sealed class ChannelSequencer(ReadAfter read, Action<FanoutEvent> deliver, Func<string, bool> hasReaders, ILogger logger, int pageSize = 200)
{
    private readonly ReadAfter _read = read;
    private readonly Action<FanoutEvent> _deliver = deliver;
    private readonly Func<string, bool> _hasReaders = hasReaders;
    private readonly ILogger _logger = logger;
    private readonly int _pageSize = pageSize;

    /// <summary>A signal that promised rows the store does not show yet is retried this often before it is given up.</summary>
    private const int EmptyReadRetries = 3;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Everything up to <paramref name="seq"/> was committed before this node's sockets could see it (the seq at start-up).</summary>
    public void StartAt(string channelId, long seq) => _lanes.TryAdd(channelId, new Lane(this, channelId, seq));

    /// <summary>The last seq handed to this node's sockets (0 for a channel it has not seen).</summary>
    public long Delivered(string channelId) => _lanes.TryGetValue(channelId, out var lane) ? lane.Position : 0;

    /// <summary>A committed event from this node, in the order it was committed.</summary>
    public void Local(string channelId, FanoutEvent fanoutEvent) => LaneOf(channelId).Local(fanoutEvent);

    /// <summary>Another node committed the channel's messages up to <paramref name="seq"/>.</summary>
    public void Committed(string channelId, long seq) => LaneOf(channelId).Committed(seq);

    /// <summary>Reads whatever the channel holds above the last delivered seq (after a resynchronization).</summary>
    public void CatchUp(string channelId) => LaneOf(channelId).Committed(long.MaxValue);

    /// <summary>
    /// An event heard from another node, made by <paramref name="resolve"/> (which may read the store), delivered
    /// after the channel's messages up to <paramref name="afterSeq"/>.
    /// </summary>
    public void Remote(string channelId, long afterSeq, Func<CancellationToken, Task<FanoutEvent?>> resolve) =>
        LaneOf(channelId).Enqueue(new Work.Resolve(afterSeq, resolve));

    /// <summary>Completes once every channel's queued work is done (tests, shutdown).</summary>
    public async Task IdleAsync(CancellationToken cancellationToken = default)
    {
        while (_lanes.Values.Any(l => l.Busy))
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    public void Stop() => _stopping.Cancel();

    private Lane LaneOf(string channelId) => _lanes.GetOrAdd(channelId, id => new Lane(this, id, 0));

    private abstract record Work
    {
        public sealed record Message(MessageCreated Created) : Work;
        public sealed record UpTo(long Seq) : Work;
        public sealed record Event(FanoutEvent FanoutEvent) : Work;
        public sealed record Resolve(long AfterSeq, Func<CancellationToken, Task<FanoutEvent?>> Make) : Work;
    }

    private sealed class Lane(ChannelSequencer owner, string channelId, long delivered)
    {
        private readonly Lock _gate = new();
        private readonly Queue<Work> _pending = new();
        private long _delivered = delivered;
        private bool _running;

        public long Position
        {
            get
            {
                lock (_gate)
                {
                    return _delivered;
                }
            }
        }

        public bool Busy
        {
            get
            {
                lock (_gate)
                {
                    return _running;
                }
            }
        }

        public void Local(FanoutEvent fanoutEvent)
        {
            lock (_gate)
            {
                if (!_running)
                {
                    // The common case on a node that is in step: delivered on the caller's thread, no hop.
                    if (fanoutEvent is MessageCreated created)
                    {
                        if (created.Message.Seq <= _delivered)
                        {
                            return;
                        }

                        if (created.Message.Seq == _delivered + 1)
                        {
                            _delivered = created.Message.Seq;
                            owner._deliver(fanoutEvent);
                            return;
                        }
                    }
                    else
                    {
                        owner._deliver(fanoutEvent);
                        return;
                    }
                }

                EnqueueLocked(fanoutEvent is MessageCreated message ? new Work.Message(message) : new Work.Event(fanoutEvent));
            }
        }

        public void Committed(long seq)
        {
            lock (_gate)
            {
                if (seq <= _delivered)
                {
                    return;
                }

                if (!_running && seq != long.MaxValue && !owner._hasReaders(channelId))
                {
                    // Nobody here reads the channel: nothing to deliver, and a socket that opens later
                    // catches up with history. Reading the rows would only cost the store.
                    _delivered = seq;
                    return;
                }

                EnqueueLocked(new Work.UpTo(seq));
            }
        }

        public void Enqueue(Work work)
        {
            lock (_gate)
            {
                EnqueueLocked(work);
            }
        }

        private void EnqueueLocked(Work work)
        {
            _pending.Enqueue(work);
            if (!_running)
            {
                _running = true;
                _ = Task.Run(RunAsync);
            }
        }

        private async Task RunAsync()
        {
            var stopping = owner._stopping.Token;
            while (true)
            {
                Work work;
                lock (_gate)
                {
                    if (!_pending.TryDequeue(out work!) || stopping.IsCancellationRequested)
                    {
                        _pending.Clear();
                        _running = false;
                        return;
                    }
                }

                try
                {
                    await DoAsync(work, stopping);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    owner._logger.LogError(ex, "Delivering {Work} in channel {ChannelId} failed", work.GetType().Name, channelId);
                }
            }
        }

        private async Task DoAsync(Work work, CancellationToken cancellationToken)
        {
            switch (work)
            {
                case Work.Message { Created: var created }:
                    var seq = created.Message.Seq;
                    if (seq > Volatile.Read(ref _delivered) + 1)
                    {
                        // Another node's messages sit between ours and the last one delivered: read them first.
                        await FillAsync(seq - 1, cancellationToken);
                    }

                    if (seq > Volatile.Read(ref _delivered))
                    {
                        Deliver(created);
                    }

                    break;

                case Work.UpTo { Seq: var upTo }:
                    await FillAsync(upTo, cancellationToken);
                    break;

                case Work.Event { FanoutEvent: var fanoutEvent }:
                    owner._deliver(fanoutEvent);
                    break;

                case Work.Resolve { AfterSeq: var after, Make: var make }:
                    if (after > Volatile.Read(ref _delivered))
                    {
                        await FillAsync(after, cancellationToken);
                    }

                    if (await make(cancellationToken) is { } resolved)
                    {
                        owner._deliver(resolved);
                    }

                    break;
            }
        }

        /// <summary>Reads and delivers the rows above the last delivered seq, up to <paramref name="target"/> (everything, for long.MaxValue).</summary>
        private async Task FillAsync(long target, CancellationToken cancellationToken)
        {
            var empty = 0;
            var pause = FirstRetry;
            while (Volatile.Read(ref _delivered) < target)
            {
                IReadOnlyList<StoredMessage> rows;
                try
                {
                    rows = await owner._read(channelId, Volatile.Read(ref _delivered), owner._pageSize, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is the only truth: wait for it rather than skip what it holds.
                    owner._logger.LogWarning("Could not read channel {ChannelId} after seq {Seq} ({Error}); retrying", channelId, Volatile.Read(ref _delivered), ex.Message);
                    await Task.Delay(pause, cancellationToken);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestRetry.Ticks));
                    continue;
                }

                pause = FirstRetry;
                foreach (var row in rows)
                {
                    if (row.Seq > Volatile.Read(ref _delivered))
                    {
                        if (row.Seq != Volatile.Read(ref _delivered) + 1)
                        {
                            owner._logger.LogWarning("Channel {ChannelId} holds no message between seq {From} and {To}", channelId, Volatile.Read(ref _delivered), row.Seq);
                        }

                        Deliver(new MessageCreated(row));
                    }
                }

                if (target == long.MaxValue && rows.Count < owner._pageSize)
                {
                    return;
                }

                if (rows.Count == 0)
                {
                    if (++empty > EmptyReadRetries)
                    {
                        // The channel was deleted, or the signal promised more than was committed: nothing to deliver.
                        owner._logger.LogWarning("Channel {ChannelId} shows nothing after seq {Seq}, though seq {Target} was signalled", channelId, Volatile.Read(ref _delivered), target);
                        lock (_gate)
                        {
                            _delivered = Math.Max(_delivered, target);
                        }

                        return;
                    }

                    await Task.Delay(FirstRetry, cancellationToken);
                }
            }
        }

        private void Deliver(MessageCreated created)
        {
            lock (_gate)
            {
                _delivered = created.Message.Seq;
            }

            owner._deliver(created);
        }
    }
}
