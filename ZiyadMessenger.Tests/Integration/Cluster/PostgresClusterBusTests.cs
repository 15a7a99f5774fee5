using System.Collections.Concurrent;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ZiyadMessenger.Host.Cluster;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>Two buses on one PostgreSQL database, as two nodes would hold them.</summary>
public sealed class PostgresClusterBusTests : IAsyncLifetime
{
    private PostgresDatabase? _database;
    private readonly List<(PostgresClusterBus Bus, NpgsqlDataSource Source)> _buses = [];

    public async Task InitializeAsync()
    {
        if (PostgresServer.InCi || PostgresServer.UnavailableReason is null)
        {
            _database = await PostgresServer.CreateDatabaseAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (bus, source) in _buses)
        {
            await bus.StopAsync(CancellationToken.None);
            bus.Dispose();
            await source.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private async Task<(PostgresClusterBus Bus, Recorder Heard)> StartBusAsync()
    {
        var source = PostgresStore.CreateDataSource(_database!.ConnectionString);
        var bus = new PostgresClusterBus(source, new StoreOptions { Provider = "postgres", ConnectionString = _database.ConnectionString },
            TimeProvider.System, NullLogger<PostgresClusterBus>.Instance);
        var heard = new Recorder();
        bus.Subscribe("t", (signal, _) => heard.Add(signal));
        bus.Resynchronize += _ => heard.Resynchronized();
        _buses.Add((bus, source));
        await bus.StartAsync(CancellationToken.None);
        await heard.WaitForResyncAsync(1);
        return (bus, heard);
    }

    [PostgresFact]
    public async Task A_signal_reaches_the_other_node_in_order_and_never_its_sender()
    {
        var (a, heardOnA) = await StartBusAsync();
        var (b, heardOnB) = await StartBusAsync();

        for (var i = 1; i <= 50; i++)
        {
            (await a.PublishAsync("t", $"from-a-{i}")).Should().BeTrue();
        }

        await heardOnB.WaitForAsync(50);
        heardOnB.Signals.Select(s => s.Payload).Should().Equal(Enumerable.Range(1, 50).Select(i => $"from-a-{i}"));
        heardOnB.Signals.Should().OnlyContain(s => s.FromInstance == a.InstanceId && s.Topic == "t");

        (await b.PublishAsync("t", "from-b")).Should().BeTrue();
        await heardOnA.WaitForAsync(1);
        await Task.Delay(300);
        heardOnA.Signals.Select(s => s.Payload).Should().Equal("from-b");
        heardOnB.Signals.Should().HaveCount(50, "a node does not hear its own signals");
    }

    [PostgresFact]
    public async Task A_signal_sent_inside_a_transaction_arrives_at_commit_and_not_after_a_rollback()
    {
        var (_, heardOnA) = await StartBusAsync();
        await using var connection = new NpgsqlConnection(_database!.ConnectionString);
        await connection.OpenAsync();
        foreach (var (payload, commit) in new[] { ("rolled-back", false), ("committed", true) })
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", connection, transaction);
            notify.Parameters.Add(new NpgsqlParameter { Value = ClusterWire.Channel });
            notify.Parameters.Add(new NpgsqlParameter { Value = ClusterWire.Encode("another-node", "t", payload) });
            await notify.ExecuteNonQueryAsync();
            await Task.Delay(200);
            heardOnA.Signals.Should().BeEmpty("nothing is delivered before the commit");
            if (commit)
            {
                await transaction.CommitAsync();
            }
            else
            {
                await transaction.RollbackAsync();
            }
        }

        await heardOnA.WaitForAsync(1);
        await Task.Delay(200);
        heardOnA.Signals.Select(s => s.Payload).Should().Equal("committed");
    }

    [PostgresFact]
    public async Task A_listener_killed_by_the_server_reconnects_by_itself_and_asks_subscribers_to_re_read()
    {
        var (a, heardOnA) = await StartBusAsync();
        var (b, _) = await StartBusAsync();

        var killed = await _database!.ScalarAsync<bool>(
            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{a.ListenerName}'");
        killed.Should().BeTrue();

        await heardOnA.WaitForResyncAsync(2);
        a.Connects.Should().Be(2);
        a.IsListening.Should().BeTrue();

        (await b.PublishAsync("t", "after-the-blip")).Should().BeTrue();
        await heardOnA.WaitForAsync(1);
        heardOnA.Signals.Select(s => s.Payload).Should().Equal("after-the-blip");
    }

    [PostgresFact]
    public async Task Publishing_to_a_store_that_cannot_be_reached_returns_false_at_once()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(_database!.ConnectionString) { Port = FreePorts.Take(1).First(), Timeout = 2 }.ConnectionString;
        await using var source = PostgresStore.CreateDataSource(unreachable);
        var bus = new PostgresClusterBus(source, new StoreOptions { Provider = "postgres", ConnectionString = unreachable },
            TimeProvider.System, NullLogger<PostgresClusterBus>.Instance);

        (await bus.PublishAsync("t", "nobody hears this")).Should().BeFalse();
        bus.IsListening.Should().BeFalse();
    }

    private sealed class Recorder
    {
        private readonly ConcurrentQueue<ClusterSignal> _signals = new();
        private int _resyncs;

        public IReadOnlyList<ClusterSignal> Signals => [.. _signals];

        public ValueTask Add(ClusterSignal signal)
        {
            _signals.Enqueue(signal);
            return ValueTask.CompletedTask;
        }

        public ValueTask Resynchronized()
        {
            Interlocked.Increment(ref _resyncs);
            return ValueTask.CompletedTask;
        }

        public Task WaitForAsync(int count) => Until(() => _signals.Count >= count, $"{count} signals (got {_signals.Count})");

        public Task WaitForResyncAsync(int count) => Until(() => Volatile.Read(ref _resyncs) >= count, $"{count} resynchronizations (got {_resyncs})");

        private static async Task Until(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!condition())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Waited in vain for {what}.");
                }

                await Task.Delay(20);
            }
        }
    }
}
