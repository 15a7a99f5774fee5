using System.Collections.Concurrent;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Delivery.Cluster;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Tests.Unit.Messaging;

/// <summary>
/// The channel sequencer against a store held in memory: whatever order the signals and this node's own
/// commits arrive in, the sockets see every seq once, ascending, and other events never overtake the
/// messages before them.
/// </summary>
public sealed class ChannelSequencerTests
{
    private const string Channel = "c1";

    private readonly ConcurrentDictionary<long, StoredMessage> _rows = new();
    private readonly ConcurrentQueue<FanoutEvent> _delivered = new();
    private int _reads;
    private int _failuresLeft;
    private TaskCompletionSource? _readGate;
    private bool _readers = true;

    private ChannelSequencer Create(long startAt = 0)
    {
        var sequencer = new ChannelSequencer(ReadAsync, e => _delivered.Enqueue(e), _ => _readers, NullLogger.Instance, pageSize: 3);
        sequencer.StartAt(Channel, startAt);
        return sequencer;
    }

    private async Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long after, int limit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        if (_readGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new TimeoutException("the store did not answer");
        }

        return _rows.Values.Where(m => m.ChannelId == channelId && m.Seq > after).OrderBy(m => m.Seq).Take(limit).ToList();
    }

    private StoredMessage Commit(long seq)
    {
        var message = new StoredMessage($"m{seq}", Channel, seq, "u1", seq, 1, [], null, null, null, null, null);
        _rows[seq] = message;
        return message;
    }

    private List<long> DeliveredSeqs() => _delivered.OfType<MessageCreated>().Select(m => m.Message.Seq).ToList();

    [Fact]
    public async Task This_nodes_messages_in_order_go_straight_through_without_reading_the_store()
    {
        var sequencer = Create();
        for (var seq = 1; seq <= 5; seq++)
        {
            sequencer.Local(Channel, new MessageCreated(Commit(seq)));
        }

        await sequencer.IdleAsync();
        DeliveredSeqs().Should().Equal(1, 2, 3, 4, 5);
        _reads.Should().Be(0);
    }

    [Fact]
    public async Task A_signal_reads_the_rows_above_the_last_delivered_seq_across_pages()
    {
        var sequencer = Create(startAt: 2);
        for (var seq = 1; seq <= 10; seq++)
        {
            Commit(seq);
        }

        sequencer.Committed(Channel, 10);
        await sequencer.IdleAsync();

        DeliveredSeqs().Should().Equal(3, 4, 5, 6, 7, 8, 9, 10);
        sequencer.Delivered(Channel).Should().Be(10);
    }

    [Fact]
    public async Task Repeated_and_out_of_order_signals_deliver_each_message_once_in_seq_order()
    {
        var sequencer = Create();
        for (var seq = 1; seq <= 6; seq++)
        {
            Commit(seq);
        }

        sequencer.Committed(Channel, 4);
        sequencer.Committed(Channel, 2);
        sequencer.Committed(Channel, 6);
        sequencer.Committed(Channel, 4);
        sequencer.Committed(Channel, 6);
        await sequencer.IdleAsync();

        DeliveredSeqs().Should().Equal(1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public async Task A_local_message_after_a_jump_waits_for_the_other_nodes_messages_before_it()
    {
        var sequencer = Create();
        sequencer.Local(Channel, new MessageCreated(Commit(1)));
        // Seq 2 and 3 were committed by another node whose signal has not arrived yet.
        Commit(2);
        Commit(3);
        sequencer.Local(Channel, new MessageCreated(Commit(4)));
        await sequencer.IdleAsync();
        // The late signal and a repeat of our own message change nothing.
        sequencer.Committed(Channel, 3);
        sequencer.Local(Channel, new MessageCreated(_rows[4]));
        await sequencer.IdleAsync();

        DeliveredSeqs().Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public async Task Other_events_of_the_channel_wait_behind_a_read_in_progress()
    {
        var sequencer = Create();
        Commit(1);
        Commit(2);
        _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sequencer.Committed(Channel, 2);
        sequencer.Local(Channel, new UserTyping(Channel, "u2"));
        sequencer.Remote(Channel, 0, _ => Task.FromResult<FanoutEvent?>(new ReactionChanged("m2", Channel, "👍", "u3", true)));
        await Task.Delay(50);
        _delivered.Should().BeEmpty("the read has not come back");

        _readGate.SetResult();
        await sequencer.IdleAsync();
        _delivered.Select(e => e.GetType().Name).Should().Equal(
            nameof(MessageCreated), nameof(MessageCreated), nameof(UserTyping), nameof(ReactionChanged));
    }

    [Fact]
    public async Task An_event_about_a_message_not_yet_delivered_reads_up_to_it_first()
    {
        var sequencer = Create();
        Commit(1);
        var edited = Commit(2);
        sequencer.Remote(Channel, 2, _ => Task.FromResult<FanoutEvent?>(new MessageRemoved(edited)));
        await sequencer.IdleAsync();

        _delivered.Select(e => e is MessageCreated c ? $"created {c.Message.Seq}" : e.GetType().Name)
            .Should().Equal("created 1", "created 2", nameof(MessageRemoved));
    }

    [Fact]
    public async Task A_store_that_does_not_answer_is_retried_until_it_does_and_nothing_is_skipped()
    {
        var sequencer = Create();
        Commit(1);
        Commit(2);
        _failuresLeft = 2;
        sequencer.Committed(Channel, 2);
        await sequencer.IdleAsync();

        DeliveredSeqs().Should().Equal(1, 2);
        _reads.Should().BeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public async Task A_catch_up_reads_everything_the_channel_holds_above_the_last_delivered_seq()
    {
        var sequencer = Create(startAt: 1);
        for (var seq = 1; seq <= 7; seq++)
        {
            Commit(seq);
        }

        sequencer.CatchUp(Channel);
        await sequencer.IdleAsync();

        DeliveredSeqs().Should().Equal(2, 3, 4, 5, 6, 7);
    }

    [Fact]
    public async Task A_channel_nobody_here_reads_moves_on_without_reading_the_store()
    {
        var sequencer = Create();
        _readers = false;
        Commit(1);
        Commit(2);
        sequencer.Committed(Channel, 2);
        await sequencer.IdleAsync();

        _reads.Should().Be(0);
        _delivered.Should().BeEmpty();
        sequencer.Delivered(Channel).Should().Be(2);

        // Once someone reads it, the next message is delivered alone: no backlog of what nobody saw.
        _readers = true;
        Commit(3);
        sequencer.Committed(Channel, 3);
        await sequencer.IdleAsync();
        DeliveredSeqs().Should().Equal(3);
    }
}
