using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Audit.Recording;

/// <summary>Hands records to the background writer.</summary>
internal interface IAuditRecorder
{
    /// <summary>
    /// Queues a record and returns at once. Only when the queue is full (the store has been failing for a
    /// long while) does it wait for room: entries are never dropped.
    /// </summary>
    ValueTask EnqueueAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>Queues a record and completes when it is committed, with its place in the chain.</summary>
    Task<AuditEntryInfo> RecordAsync(AuditRecord record, CancellationToken cancellationToken);

    /// <summary>The id of the last entry this process committed (0 before the first): verify checks the tail against it.</summary>
    long LastCommittedId { get; }
}

/// <summary>The <c>ZiyadMessenger:Audit</c> settings (the retry and acknowledge times are fixed; tests shorten them).</summary>
internal sealed record AuditOptions
{
    public const string Section = "ZiyadMessenger:Audit";

    public int QueueCapacity { get; set; } = 100_000;
    public int MaxBatch { get; set; } = 256;
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How long POST /log waits for its entry to be committed before answering 503.</summary>
    public TimeSpan AcknowledgeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The one writer of the audit log. Notification handlers and POST /log put records on a channel; this
/// service takes them off in batches and appends each batch in one transaction, so a login never waits
/// for an audit write. A batch that fails is retried with growing pauses until it is stored: a failed
/// write delays entries, it does not lose them. Being the only writer also keeps the chain a single line.
/// </summary>
internal sealed class AuditWriter(IAuditStore store, AuditOptions options, ILogger<AuditWriter> logger) : BackgroundService, IAuditRecorder
{
    private const int ShutdownAttempts = 5;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private long _lastCommittedId;

    public long LastCommittedId => Interlocked.Read(ref _lastCommittedId);

    public async ValueTask EnqueueAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(new Pending(record, null)))
        {
            return;
        }

        try
        {
            await _queue.Writer.WriteAsync(new Pending(record, null), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            logger.LogError("Audit entry {Action} arrived after the audit writer stopped and was not recorded", record.Action);
        }
    }

    public async Task<AuditEntryInfo> RecordAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        var pending = new Pending(record, new TaskCompletionSource<AuditEntryInfo>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new AppException(503, "The server is shutting down; the entry was not recorded.");
        }

        try
        {
            // The entry stays queued if the caller stops waiting; it is written all the same.
            return await pending.Completion!.Task.WaitAsync(options.AcknowledgeTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new AppException(503, "The audit store is not accepting writes right now. The entry is queued and will be written when it recovers.")
            {
                RetryAfterSeconds = 5,
            };
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(options.MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Fill(batch);
                await WriteWithRetryAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: the listeners are closed by now. Write what is left, batch by batch, a few attempts each.
        _queue.Writer.TryComplete();
        do
        {
            Fill(batch);
            if (batch.Count > 0 && !await TryWriteOnShutdownAsync(batch))
            {
                var lost = batch.Count + _queue.Reader.Count;
                logger.LogError("The audit store kept failing during shutdown; {Count} queued audit entries were not written", lost);
                foreach (var pending in batch)
                {
                    pending.Completion?.TrySetException(new AppException(503, "The server is shutting down; the entry was not recorded."));
                }

                return;
            }

            batch.Clear();
        }
        while (_queue.Reader.Count > 0);
    }

    private void Fill(List<Pending> batch)
    {
        while (batch.Count < options.MaxBatch && _queue.Reader.TryRead(out var pending))
        {
            batch.Add(pending);
        }
    }

    private async Task WriteWithRetryAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        var delay = options.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            if (await TryWriteAsync(batch, attempt))
            {
                return;
            }

            // Cancellation here leaves the batch in place for the shutdown drain.
            await Task.Delay(delay, stoppingToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));
        }
    }

    private async Task<bool> TryWriteOnShutdownAsync(List<Pending> batch)
    {
        for (var attempt = 1; attempt <= ShutdownAttempts; attempt++)
        {
            if (await TryWriteAsync(batch, attempt))
            {
                return true;
            }

            await Task.Delay(options.FirstRetryDelay * attempt);
        }

        return false;
    }

    private async Task<bool> TryWriteAsync(List<Pending> batch, int attempt)
    {
        IReadOnlyList<AuditEntryInfo> stored;
        try
        {
            // Never cancelled half-way: a started commit is allowed to finish.
            stored = await store.AppendAsync(batch.ConvertAll(p => p.Record), CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The exception says what failed in the store; entry contents are not logged.
            logger.LogWarning(ex, "Writing {Count} audit entries failed (attempt {Attempt}); they stay queued and will be retried", batch.Count, attempt);
            return false;
        }

        if (attempt > 1)
        {
            logger.LogInformation("Wrote {Count} audit entries after {Attempt} attempts", batch.Count, attempt);
        }

        Interlocked.Exchange(ref _lastCommittedId, stored[^1].Id);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion?.TrySetResult(stored[i]);
        }

        return true;
    }

    private sealed record Pending(AuditRecord Record, TaskCompletionSource<AuditEntryInfo>? Completion);
}
