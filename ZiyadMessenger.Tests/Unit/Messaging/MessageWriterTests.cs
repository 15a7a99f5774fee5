using System.Collections.Concurrent;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Tests.Unit.Messaging;

/// <summary>
/// The writer against a store whose commit does not wait for the disk (SQLite's writer): nothing is
/// delivered or acknowledged until the sync that covers it has returned, the next batch is committed
/// while the last one is being synced, and a sync that fails tells nobody about its messages.
/// </summary>
public sealed class MessageWriterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acks_and_deliveries_wait_for_the_sync_while_the_next_batch_is_already_committed()
    {
        var store = new UnsyncedStore();
        var fanout = new RecordingFanout();
        await using var running = await RunningWriter.StartAsync(store, fanout);

        var first = await running.Writer.EnqueueAsync(Message("m1"), CancellationToken.None);
        await store.SyncStarted.WaitAsync(Wait);
        var second = await running.Writer.EnqueueAsync(Message("m2"), CancellationToken.None);

        // The second batch is committed while the first one's sync has not returned ...
        await store.WaitForAppendsAsync(2);
        await Task.Delay(100);
        // ... and neither is delivered nor acknowledged before a sync covers it.
        first.IsCompleted.Should().BeFalse();
        second.IsCompleted.Should().BeFalse();
        fanout.Events.Should().BeEmpty();

        store.ReleaseSyncs();
        (await first.WaitAsync(Wait)).Message.Id.Should().Be("m1");
        (await second.WaitAsync(Wait)).Message.Id.Should().Be("m2");
        fanout.Events.OfType<MessageCreated>().Select(e => e.Message.Id).Should().Equal("m1", "m2");
        store.Syncs.Should().BeInRange(1, 2);
    }

    [Fact]
    public async Task A_sync_that_fails_answers_its_sends_with_503_and_delivers_nothing()
    {
        var store = new UnsyncedStore { FailSyncs = true };
        var fanout = new RecordingFanout();
        await using var running = await RunningWriter.StartAsync(store, fanout);
        store.ReleaseSyncs();

        var send = await running.Writer.EnqueueAsync(Message("m1"), CancellationToken.None);
        var failure = await FluentActions.Awaiting(() => send.WaitAsync(Wait)).Should().ThrowAsync<AppException>();
        failure.Which.Status.Should().Be(503);
        fanout.Events.Should().BeEmpty();

        // The disk recovers: the next send is stored, synced and acknowledged as usual.
        store.FailSyncs = false;
        var next = await running.Writer.EnqueueAsync(Message("m2"), CancellationToken.None);
        (await next.WaitAsync(Wait)).Message.Id.Should().Be("m2");
        fanout.Events.OfType<MessageCreated>().Select(e => e.Message.Id).Should().Equal("m2");
    }

    [Fact]
    public async Task Stopping_drains_what_was_queued_through_the_sync()
    {
        var store = new UnsyncedStore();
        store.ReleaseSyncs();
        var fanout = new RecordingFanout();
        var running = await RunningWriter.StartAsync(store, fanout);
        // The host starts ExecuteAsync on the thread pool; a stop before it has started would cancel it unrun.
        var sends = new List<Task<SendResult>> { await running.Writer.EnqueueAsync(Message("m0"), CancellationToken.None) };
        await sends[0].WaitAsync(Wait);
        for (var i = 1; i < 50; i++)
        {
            sends.Add(await running.Writer.EnqueueAsync(Message($"m{i}"), CancellationToken.None));
        }

        await running.DisposeAsync();
        running.Writer.ExecuteTask!.IsCompletedSuccessfully.Should().BeTrue();
        sends.Should().OnlyContain(s => s.IsCompletedSuccessfully);
        fanout.Events.OfType<MessageCreated>().Select(e => e.Message.Id).Should().Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"));
        store.Syncs.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task A_writer_whose_durability_stage_failed_is_seen_to_have_stopped()
    {
        var store = new UnsyncedStore();
        store.ReleaseSyncs();
        await using var running = await RunningWriter.StartAsync(store, new RecordingFanout { Fail = true });

        var first = await running.Writer.EnqueueAsync(Message("m1"), CancellationToken.None);
        // The send in hand is answered, not left waiting for an ack that can never come.
        var answered = await FluentActions.Awaiting(() => first.WaitAsync(Wait)).Should().ThrowAsync<AppException>();
        answered.Which.Status.Should().Be(503);
        // What the health check reads: a writer that can no longer acknowledge must not look like it runs.
        await FluentActions.Awaiting(() => running.Writer.ExecuteTask!.WaitAsync(Wait)).Should().ThrowAsync<InvalidOperationException>();
        var refused = await FluentActions.Awaiting(async () => await running.Writer.EnqueueAsync(Message("m2"), CancellationToken.None))
            .Should().ThrowAsync<AppException>();
        refused.Which.Status.Should().Be(503);
    }

    private static PendingMessage Message(string id) => new(id, "general", "u1", 2, "hi"u8.ToArray(), null, null, null);

    private sealed class RunningWriter : IAsyncDisposable
    {
        private RunningWriter(MessageWriter writer) => Writer = writer;

        public MessageWriter Writer { get; }

        public static async Task<RunningWriter> StartAsync(IMessageStore store, IFanout fanout)
        {
            var scopes = new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();
            var notifications = new NotificationQueue(scopes, NullLogger<NotificationQueue>.Instance);
            var writer = new MessageWriter(store, new ChannelDirectory(), fanout, notifications, TimeProvider.System,
                new MessagingOptions(), NullLogger<MessageWriter>.Instance);
            await writer.StartAsync(CancellationToken.None);
            return new RunningWriter(writer);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Writer.StopAsync(CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // The writer of the test that breaks it on purpose.
            }
        }
    }

    private sealed class RecordingFanout : IFanout
    {
        private readonly ConcurrentQueue<FanoutEvent> _events = new();

        public bool Fail { get; init; }

        public IReadOnlyList<FanoutEvent> Events => [.. _events];

        public void Publish(FanoutEvent fanoutEvent)
        {
            if (Fail)
            {
                throw new InvalidOperationException("The fan-out broke.");
            }

            _events.Enqueue(fanoutEvent);
        }
    }

    /// <summary>Commits in memory at once; each sync waits until the test releases syncs.</summary>
    private sealed class UnsyncedStore : IMessageStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _syncStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _seq;
        private int _appends;
        private int _syncs;

        private volatile bool _failSyncs;

        /// <summary>Set by the test, read by the writer's durability thread.</summary>
        public bool FailSyncs
        {
            get => _failSyncs;
            set => _failSyncs = value;
        }

        public Task SyncStarted => _syncStarted.Task;

        public int Syncs => Volatile.Read(ref _syncs);

        public bool DurableOnCommit => false;

        public void ReleaseSyncs() => _release.TrySetResult();

        public async Task WaitForAppendsAsync(int count)
        {
            var deadline = DateTime.UtcNow + Wait;
            while (Volatile.Read(ref _appends) < count)
            {
                DateTime.UtcNow.Should().BeBefore(deadline, $"{count} batches should have been committed");
                await Task.Delay(10);
            }
        }

        public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp)
        {
            Interlocked.Increment(ref _appends);
            return batch.Select(m => new AppendOutcome(new StoredMessage(m.Id, m.ChannelId, ++_seq, m.SenderId, timestamp, m.Type, m.Content,
                m.Nonce, m.Signature, m.ClientMsgId, null, null, m.RootId), false, null)).ToList();
        }

        public void SyncToDisk()
        {
            _syncStarted.TrySetResult();
            _release.Task.Wait(Wait);
            Interlocked.Increment(ref _syncs);
            if (FailSyncs)
            {
                throw new IOException("The disk refused the fsync.");
            }
        }

        public Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long? before, long? after, int limit, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<StoredMessage>> FindManyAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<IReadOnlyList<StoredMessage>> ReadRepliesAsync(string rootId, long after, int limit, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt,
            CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
