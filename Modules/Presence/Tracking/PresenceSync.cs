using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Presence;

namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>How long a node's socket rows live unless it renews them: the cluster's node timeout.</summary>
internal sealed record PresenceSharing(TimeSpan SocketLease)
{
    public TimeSpan RenewEvery => SocketLease / 3;

    /// <summary>How often the shared rows changed lately are re-read: the safety net under the bus's signals.</summary>
    public TimeSpan PollEvery => TimeSpan.FromMilliseconds(Math.Clamp(SocketLease.TotalMilliseconds / 4, 100, 1000));
}

/// <summary>
/// Presence across nodes (PostgreSQL). The rows are the truth: <c>presence_shared</c> (what the user chose,
/// whether they signed off, when last active) and <c>presence_node_sockets</c> (each node process's open
/// sockets per user, renewed by that node, expiring with it). This node's events are applied to the row
/// under its lock by <see cref="SharedPresenceRule"/>; then a <c>presence</c> signal on the
/// <see cref="IClusterBus"/> names the users, and every node re-reads them into its
/// <see cref="PresenceTracker"/>, whose changes go to its own sockets as on one node. Signals are hints:
/// rows changed lately are re-read every <see cref="PresenceSharing.PollEvery"/>, and everyone shown
/// present when the bus reconnects. The leader expires the socket rows of nodes that died.
/// </summary>
internal sealed class PresenceSync(
    NpgsqlDataSource dataSource,
    PresenceTracker tracker,
    IClusterBus bus,
    ILeadership leadership,
    PresenceOptions options,
    PresenceSharing sharing,
    TimeProvider clock,
    ILogger<PresenceSync> logger) : BackgroundService
{
    public const string Topic = "presence";
    private const string NowMs = "(extract(epoch from now()) * 1000)::bigint";
    private const int IdsPerSignal = 100;
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReReadPresentEvery = TimeSpan.FromSeconds(30);

    private readonly Channel<IReadOnlyList<string>> _toRead = Channel.CreateUnbounded<IReadOnlyList<string>>();
    private IDisposable? _subscription;
    private long _since;

    private string Me => bus.InstanceId;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        tracker.ShareEvents();
        _subscription = bus.Subscribe(Topic, (signal, _) =>
        {
            _toRead.Writer.TryWrite(signal.Payload.Split(',', StringSplitOptions.RemoveEmptyEntries));
            return ValueTask.CompletedTask;
        });
        bus.Resynchronize += ResynchronizeAsync;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        bus.Resynchronize -= ResynchronizeAsync;
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken);
        try
        {
            // A clean stop closes this node's sockets for everyone: like a socket close, the window starts now.
            var users = await LeaveAsync(cancellationToken);
            await SignalAsync(users, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not remove this node's sockets from the shared presence; they expire with the node timeout");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RetryAsync(async () => _since = await ReadChangedAsync(long.MinValue, stoppingToken, initial: true), "Reading the shared presence", stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        await Task.WhenAll(EventsAsync(stoppingToken), SignalsAsync(stoppingToken), TicksAsync(stoppingToken));
    }

    private ValueTask ResynchronizeAsync(CancellationToken cancellationToken)
    {
        _toRead.Writer.TryWrite(tracker.Present());
        return ValueTask.CompletedTask;
    }

    /// <summary>This node's events, one transaction each, in order; a failed one is retried, never dropped.</summary>
    private async Task EventsAsync(CancellationToken stoppingToken)
    {
        try
        {
            var reader = tracker.Events;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var changed = new HashSet<string>(StringComparer.Ordinal);
                while (reader.TryRead(out var presenceEvent))
                {
                    await RetryAsync(() => ApplyAsync(presenceEvent, stoppingToken), "Saving a presence change", stoppingToken);
                    presenceEvent.Saved?.TrySetResult();
                    changed.Add(presenceEvent.UserId);
                }

                await SignalAsync(changed, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SignalsAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _toRead.Reader.WaitToReadAsync(stoppingToken))
            {
                var ids = new HashSet<string>(StringComparer.Ordinal);
                while (_toRead.Reader.TryRead(out var some))
                {
                    ids.UnionWith(some);
                }

                await RetryAsync(() => ReadUsersAsync(ids.ToArray(), stoppingToken), "Reading presence another node changed", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TicksAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(sharing.PollEvery);
        var lastRenew = DateTimeOffset.MinValue;
        var lastPresent = clock.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var now = clock.GetUtcNow();
                    if (now - lastRenew >= sharing.RenewEvery)
                    {
                        await RenewAsync(stoppingToken);
                        lastRenew = now;
                    }

                    if (leadership.IsLeader)
                    {
                        await SignalAsync(await ExpireDeadNodesAsync(stoppingToken), stoppingToken);
                    }

                    _since = await ReadChangedAsync(_since, stoppingToken);
                    if (now - lastPresent >= ReReadPresentEvery)
                    {
                        lastPresent = now;
                        _toRead.Writer.TryWrite(tracker.Present());
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Shared presence upkeep failed; tried again at the next tick");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ApplyAsync(PresenceEvent presenceEvent, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        SharedPresence row;
        DateTimeOffset now;
        int others, mine;
        await using (var read = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"INSERT INTO presence_shared (user_id, chosen, signed_off, last_active, updated_at) VALUES ($1, 1, false, NULL, {NowMs}) ON CONFLICT (user_id) DO NOTHING")
                {
                    Parameters = { new() { Value = presenceEvent.UserId } },
                },
                new NpgsqlBatchCommand($"""
                    SELECT s.chosen, s.signed_off, s.last_active, {NowMs},
                        (SELECT coalesce(sum(k.sockets), 0)::int FROM presence_node_sockets k WHERE k.user_id = s.user_id AND k.instance_id <> $2 AND k.expires_at >= {NowMs}),
                        (SELECT coalesce(sum(k.sockets), 0)::int FROM presence_node_sockets k WHERE k.user_id = s.user_id AND k.instance_id = $2)
                    FROM presence_shared s WHERE s.user_id = $1 FOR UPDATE
                    """)
                {
                    Parameters = { new() { Value = presenceEvent.UserId }, new() { Value = Me } },
                },
            },
        })
        {
            // The INSERT returns no rows: the reader starts on the SELECT's.
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            row = ReadShared(reader, 0);
            now = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3));
            others = reader.GetInt32(4);
            mine = reader.GetInt32(5);
        }

        var next = SharedPresenceRule.Apply(row, presenceEvent, others + mine, now, options.OfflineAfter);
        await using (var write = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE presence_shared SET chosen = $2, signed_off = $3, last_active = $4, updated_at = {NowMs} WHERE user_id = $1")
                {
                    Parameters =
                    {
                        new() { Value = presenceEvent.UserId }, new() { Value = (int)next.Chosen }, new() { Value = next.SignedOff },
                        new() { Value = (object?)next.LastActive?.ToUnixTimeMilliseconds() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint },
                    },
                },
                presenceEvent.LocalSockets > 0
                    ? new NpgsqlBatchCommand($"""
                        INSERT INTO presence_node_sockets (instance_id, user_id, sockets, expires_at) VALUES ($1, $2, $3, {NowMs} + $4)
                        ON CONFLICT (instance_id, user_id) DO UPDATE SET sockets = excluded.sockets, expires_at = excluded.expires_at
                        """)
                    {
                        Parameters =
                        {
                            new() { Value = Me }, new() { Value = presenceEvent.UserId }, new() { Value = presenceEvent.LocalSockets },
                            new() { Value = (long)sharing.SocketLease.TotalMilliseconds },
                        },
                    }
                    : new NpgsqlBatchCommand("DELETE FROM presence_node_sockets WHERE instance_id = $1 AND user_id = $2")
                    {
                        Parameters = { new() { Value = Me }, new() { Value = presenceEvent.UserId } },
                    },
            },
        })
        {
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        tracker.ApplyShared(presenceEvent.UserId, next, others, ownEvent: true, clock.GetUtcNow());
    }

    /// <summary>Re-reads rows changed since <paramref name="since"/> (database clock); returns the next watermark.</summary>
    private async Task<long> ReadChangedAsync(long since, CancellationToken cancellationToken, bool initial = false)
    {
        // At start only the users who may be present matter; anyone idle longer than the window is offline anyway.
        var window = (long)(options.OfflineAfter + sharing.SocketLease + Overlap).TotalMilliseconds;
        return await ReadAsync(
            initial ? $"s.updated_at >= {NowMs} - $2 OR EXISTS (SELECT 1 FROM presence_node_sockets k WHERE k.user_id = s.user_id)" : "s.updated_at >= $2",
            initial ? window : since,
            cancellationToken);
    }

    private Task ReadUsersAsync(string[] ids, CancellationToken cancellationToken) =>
        ids.Length == 0 ? Task.CompletedTask : ReadAsync("s.user_id = ANY($2)", ids, cancellationToken);

    private async Task<long> ReadAsync(string where, object parameter, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT {NowMs}"),
                new NpgsqlBatchCommand($"""
                    SELECT s.chosen, s.signed_off, s.last_active, s.user_id,
                        (SELECT coalesce(sum(k.sockets), 0)::int FROM presence_node_sockets k WHERE k.user_id = s.user_id AND k.instance_id <> $1 AND k.expires_at >= {NowMs})
                    FROM presence_shared s WHERE {where}
                    """)
                {
                    Parameters = { new() { Value = Me }, new() { Value = parameter } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var dbNow = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var now = clock.GetUtcNow();
        while (await reader.ReadAsync(cancellationToken))
        {
            tracker.ApplyShared(reader.GetString(3), ReadShared(reader, 0), reader.GetInt32(4), ownEvent: false, now);
        }

        return dbNow - (long)Overlap.TotalMilliseconds;
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"UPDATE presence_node_sockets SET expires_at = {NowMs} + $2 WHERE instance_id = $1", connection)
        {
            Parameters = { new() { Value = Me }, new() { Value = (long)sharing.SocketLease.TotalMilliseconds } },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Leader only: drops the socket rows of node processes that stopped renewing them (killed, or cut off).
    /// Their users were last seen when the node last renewed; the offline window counts from then.
    /// </summary>
    private Task<List<string>> ExpireDeadNodesAsync(CancellationToken cancellationToken) =>
        RemoveSocketsAsync($"expires_at < {NowMs}", $"expires_at - {(long)sharing.SocketLease.TotalMilliseconds}", cancellationToken);

    private Task<List<string>> LeaveAsync(CancellationToken cancellationToken) =>
        RemoveSocketsAsync("instance_id = $1", NowMs, cancellationToken);

    private async Task<List<string>> RemoveSocketsAsync(string where, string seenAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            WITH gone AS (DELETE FROM presence_node_sockets WHERE {where} RETURNING user_id, {seenAt} AS seen),
                 latest AS (SELECT user_id, max(seen) AS seen FROM gone GROUP BY user_id)
            UPDATE presence_shared s SET last_active = GREATEST(s.last_active, latest.seen), updated_at = {NowMs}
            FROM latest WHERE s.user_id = latest.user_id
            RETURNING s.user_id
            """, connection);
        if (where.Contains("$1", StringComparison.Ordinal))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Me });
        }

        var users = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(reader.GetString(0));
        }

        return users;
    }

    private async Task SignalAsync(IEnumerable<string> userIds, CancellationToken cancellationToken)
    {
        foreach (var chunk in userIds.Chunk(IdsPerSignal))
        {
            await bus.PublishAsync(Topic, string.Join(',', chunk), cancellationToken);
        }
    }

    private async Task RetryAsync(Func<Task> work, string what, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    logger.LogWarning(ex, "{What} failed; retrying", what);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * attempt)), stoppingToken);
            }
        }
    }

    private static SharedPresence ReadShared(NpgsqlDataReader reader, int first) =>
        new((UserStatus)reader.GetInt32(first), reader.GetBoolean(first + 1),
            reader.IsDBNull(first + 2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 2)));
}
