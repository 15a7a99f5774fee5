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
/// made durable the next one fills up: the busier the server, the bigger the batches. After the commit
/// it hands the new messages to the fan-out in seq order and only then completes each send, which is
/// when the client gets its ack. On shutdown the queue is closed and drained before the process ends.
/// </summary>
internal sealed class MessageWriter : BackgroundService
{
    private readonly Channel<PendingMessage> _queue;
    private readonly IMessageStore _store;
    private readonly ChannelDirectory _channels;
    private readonly IFanout _fanout;
    private readonly NotificationQueue _notifications;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageWriter> _logger;
    private readonly int _maxBatch;
    private long _lastTimestamp;

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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var batch = new List<PendingMessage>(_maxBatch);
        // Deliberately not stoppingToken: at shutdown the loop runs until the closed queue is empty.
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            Commit(batch);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private void Commit(List<PendingMessage> batch)
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
                Commit([message]);
            }

            return;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Storing message {MessageId} failed", batch[0].Id);
            batch[0].Completion.TrySetException(new AppException(503, "The message could not be stored; send it again."));
            return;
        }

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
}
