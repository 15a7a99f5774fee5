using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// The single writer. Sends from every socket and request wait in one queue; the writer takes whatever
/// has gathered (up to MaxBatchSize) and commits it in one transaction, so while one batch is being
/// made durable the next one fills up: the busier the server, the bigger the batches. Once a batch is on
/// disk it hands the new messages to the fan-out in seq order and only then completes each send, which
/// is when the client gets its ack. On shutdown the queue is closed and drained before the process ends.
/// <para>
/// When the store's commit does not wait for the disk itself (SQLite, see
/// <see cref="Sqlite.SqliteMessageAppender"/>), that wait is a second stage: the committing loop passes
/// each committed batch on and starts the next transaction at once, and the durability loop syncs the
/// store once for every batch that has gathered, then delivers and acknowledges them in commit order.
/// Nothing is delivered or acknowledged before the sync that covers it has returned.
/// </para>
/// </summary>
internal sealed class MessageWriter : BackgroundService
{
    /// <summary>Committed batches the durability loop has not synced yet; bounded, so a slow disk holds the writer back.</summary>
    private const int MaxBatchesAwaitingSync = 16;

    private readonly Channel<PendingMessage> _queue;
    private readonly Channel<CommittedBatch> _committed;
    private readonly IMessageStore _store;
    private readonly ChannelDirectory _channels;
    private readonly IFanout _fanout;
    private readonly NotificationQueue _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageWriter> _logger;
    private readonly int _maxBatch;
    private long _lastTimestamp;
    private volatile bool _durabilityFailed;

    public MessageWriter(IMessageStore store, ChannelDirectory channels, IFanout fanout, NotificationQueue notifications,
        TimeProvider time, MessagingOptions options, ILogger<MessageWriter> logger)
    {
        _store = store;
        _channels = channels;
        _fanout = fanout;
        _notifications = notifications;
        _time = time;
        _logger = logger;
        _maxBatch = Math.Max(1, options.MaxBatchSize);
        _queue = Channel.CreateBounded<PendingMessage>(new BoundedChannelOptions(Math.Max(1, options.WriteQueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _committed = Channel.CreateBounded<CommittedBatch>(new BoundedChannelOptions(MaxBatchesAwaitingSync)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Queues a send; waits while the queue is full. The returned task completes after the commit.</summary>
    public async ValueTask<Task<SendResult>> EnqueueAsync(PendingMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(message, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new AppException(503, "The server is shutting down; send again in a moment.");
        }

        return message.Completion.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_store.DurableOnCommit)
        {
            return CommitLoopAsync();
        }

        var durability = Task.Run(DurabilityLoopAsync, CancellationToken.None);
        return Task.WhenAll(CommitLoopAsync(), durability);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task CommitLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            // Deliberately not stoppingToken: at shutdown the loop runs until the closed queue is empty.
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                var batch = new List<PendingMessage>(Math.Clamp(reader.Count, 1, _maxBatch));
                while (batch.Count < _maxBatch && reader.TryRead(out var message))
                {
                    batch.Add(message);
                }

                if (_durabilityFailed)
                {
                    Refuse(batch);
                    continue;
                }

                await CommitAsync(batch);
            }
        }
        finally
        {
            _committed.Writer.TryComplete();
        }
    }

    private async ValueTask CommitAsync(List<PendingMessage> batch)
    {
        IReadOnlyList<AppendOutcome> outcomes;
        try
        {
            outcomes = _store.Append(batch, NextTimestamp());
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One bad message must not sink the others: retry them one transaction each.
            _logger.LogWarning(ex, "A batch of {Count} messages failed to commit; retrying them one by one", batch.Count);
            foreach (var message in batch)
            {
                await CommitAsync([message]);
            }

            return;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Storing message {MessageId} failed", batch[0].Id);
            batch[0].Completion.TrySetException(new AppException(503, "The message could not be stored; send it again."));
            return;
        }

        if (_store.DurableOnCommit)
        {
            Publish(batch, outcomes);
        }
        else
        {
            try
            {
                await _committed.Writer.WriteAsync(new CommittedBatch(batch, outcomes));
            }
            catch (ChannelClosedException)
            {
                // The durability stage has failed (see DurabilityLoopAsync): committed, but never synced.
                Refuse(batch);
            }
        }
    }

    /// <summary>Syncs once for every batch committed so far, then delivers and acknowledges them in commit order.</summary>
    private async Task DurabilityLoopAsync()
    {
        var reader = _committed.Reader;
        var pending = new List<CommittedBatch>();
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                pending.Clear();
                while (reader.TryRead(out var committed))
                {
                    pending.Add(committed);
                }

                if (TrySync(pending))
                {
                    foreach (var committed in pending)
                    {
                        Publish(committed.Batch, committed.Outcomes);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing could be acknowledged any more: every waiting send is answered with an error and new sends
            // are refused, instead of a writer that commits and never answers. The failed loop stops the server,
            // which then exits with 1 (the Host's FailedServices), so its supervisor starts it again.
            _logger.LogCritical(ex, "The message writer's durability stage failed; the writer stops");
            _durabilityFailed = true;
            _queue.Writer.TryComplete(ex);
            _committed.Writer.TryComplete(ex);
            foreach (var committed in pending)
            {
                Refuse(committed.Batch);
            }

            while (reader.TryRead(out var committed))
            {
                Refuse(committed.Batch);
            }

            throw;
        }
    }

    private static void Refuse(List<PendingMessage> batch)
    {
        foreach (var message in batch)
        {
            message.Completion.TrySetException(new AppException(503, "The message could not be stored safely; send it again."));
        }
    }

    private bool TrySync(List<CommittedBatch> batches)
    {
        try
        {
            _store.SyncToDisk();
            return true;
        }
        catch (Exception ex)
        {
            // Committed, but not known to be on disk: nobody is told about these messages. A resend with the
            // same client_msg_id is answered with the stored message, and readers find it in history.
            _logger.LogError(ex, "Syncing {Count} committed batches to disk failed; their sends are answered with an error", batches.Count);
            foreach (var committed in batches)
            {
                Refuse(committed.Batch);
            }

            return false;
        }
    }

    private void Publish(List<PendingMessage> batch, IReadOnlyList<AppendOutcome> outcomes)
    {
        // Delivery first, acks second: once a client holds an ack, an edit it makes cannot overtake the message.
        for (var i = 0; i < batch.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome is { Message: { } stored, Duplicate: false })
            {
                _channels.Find(stored.ChannelId)?.AdvanceSeq(stored.Seq);
                _fanout.Publish(new MessageCreated(stored));
                if (batch[i].Mentions is { Count: > 0 } mentioned)
                {
                    _fanout.Publish(new UsersMentioned(stored, mentioned));
                }
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Message is { } stored)
            {
                batch[i].Completion.TrySetResult(new SendResult(stored, outcome.Duplicate));
                if (!outcome.Duplicate)
                {
                    _notifications.Enqueue(new MessageSent(stored.Id, stored.ChannelId, stored.SenderId, stored.Seq, stored.Type,
                        DateTimeOffset.FromUnixTimeMilliseconds(stored.Timestamp), stored.Content.Length));
                }
            }
            else
            {
                batch[i].Completion.TrySetException(outcome.Error ?? new AppException(503, "The message could not be stored."));
            }
        }
    }

    /// <summary>Wall-clock milliseconds that never go backwards, so timestamps follow seq within a channel.</summary>
    private long NextTimestamp()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _lastTimestamp = Math.Max(now, _lastTimestamp);
        return _lastTimestamp;
    }

    private sealed record CommittedBatch(List<PendingMessage> Batch, IReadOnlyList<AppendOutcome> Outcomes);
}
