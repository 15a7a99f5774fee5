using System.Diagnostics;
using Npgsql;
using ZiyadMessenger.Modules.Cluster.Nodes;

namespace ZiyadMessenger.Modules.Cluster.Membership;

/// <summary>A node of the shared store as its heartbeat row shows it; times and health by the database's clock.</summary>
internal sealed record MemberView(
    string Id,
    string Address,
    string Version,
    DateTimeOffset LastSeen,
    long UptimeSeconds,
    int Connections,
    int ConnectedUsers,
    bool Healthy);

/// <summary>
/// Membership and leadership on PostgreSQL. Every node upserts its row of <c>cluster_members</c> and
/// tries to renew the one lease row of <c>cluster_leases</c> on each heartbeat; all times are the
/// database's <c>now()</c>, so the nodes' clocks may disagree without anyone being judged dead.
/// <para>
/// Why a lease row and not <c>pg_try_advisory_lock</c>: a session lock is lost with its connection (a
/// network blip or a PgBouncer in transaction mode drops leadership, or worse, keeps a dead session's
/// lock until TCP gives up), it needs a connection held outside the pool for ever, and it does not say
/// which node holds it. The row says who leads, survives reconnects, expires by the database's clock,
/// and is taken over by one conditional UPDATE.
/// </para>
/// </summary>
internal sealed class PostgresMembership(NpgsqlDataSource dataSource, LocalNode self, ClusterOptions options, LeaseLeadership leadership)
{
    public const string LeaderLease = "leader";

    private const string NowMs = "(extract(epoch from now()) * 1000)::bigint";

    /// <summary>
    /// A lease of two thirds of the timeout, renewed every quarter: a beat or two may be late without
    /// losing it, and a dead holder's lease has run out and been taken (at the next beat of another
    /// node) within the timeout.
    /// </summary>
    public TimeSpan LeaseLength => options.NodeTimeout * 2 / 3;

    public TimeSpan BeatInterval => options.NodeTimeout / 4;

    /// <summary>Rows of nodes gone this long are dropped (by the leader); until then they are listed as unhealthy.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(1);

    public async Task BeatAsync(int connections, int connectedUsers, bool first, CancellationToken cancellationToken)
    {
        var sentAt = Stopwatch.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"""
                    INSERT INTO cluster_members (node_id, address, version, started_at, last_seen, stopped_at, connections, connected_users)
                    VALUES ($1, $2, $3, {NowMs}, {NowMs}, NULL, $4, $5)
                    ON CONFLICT (node_id) DO UPDATE SET
                        address = excluded.address, version = excluded.version,
                        started_at = CASE WHEN $6 THEN excluded.started_at ELSE cluster_members.started_at END,
                        last_seen = excluded.last_seen, stopped_at = NULL,
                        connections = excluded.connections, connected_users = excluded.connected_users
                    """)
                {
                    Parameters =
                    {
                        new() { Value = self.Id }, new() { Value = self.Address }, new() { Value = self.Version },
                        new() { Value = connections }, new() { Value = connectedUsers }, new() { Value = first },
                    },
                },
                // Renewed by its holder, or taken once it has run out; otherwise left alone.
                new NpgsqlBatchCommand($"""
                    INSERT INTO cluster_leases (name, holder, expires_at) VALUES ($1, $2, {NowMs} + $3)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                    WHERE cluster_leases.holder = excluded.holder OR cluster_leases.expires_at < {NowMs}
                    """)
                {
                    Parameters = { new() { Value = LeaderLease }, new() { Value = self.Id }, new() { Value = (long)LeaseLength.TotalMilliseconds } },
                },
                new NpgsqlBatchCommand($"SELECT holder, expires_at - {NowMs} FROM cluster_leases WHERE name = $1 AND expires_at >= {NowMs}")
                {
                    Parameters = { new() { Value = LeaderLease } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (await reader.ReadAsync(cancellationToken))
        {
            leadership.Observe(reader.GetString(0), TimeSpan.FromMilliseconds(reader.GetInt64(1)), sentAt);
        }
        else
        {
            leadership.Observe(null, TimeSpan.Zero, sentAt);
        }
    }

    /// <summary>A clean stop: the node is unhealthy at once and the lease is free for the next beat of another node.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE cluster_members SET stopped_at = {NowMs} WHERE node_id = $1") { Parameters = { new() { Value = self.Id } } },
                new NpgsqlBatchCommand("UPDATE cluster_leases SET expires_at = 0 WHERE name = $1 AND holder = $2")
                {
                    Parameters = { new() { Value = LeaderLease }, new() { Value = self.Id } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        leadership.Released();
    }

    public async Task<(string? LeaderId, IReadOnlyList<MemberView> Members)> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT holder FROM cluster_leases WHERE name = $1 AND expires_at >= {NowMs}") { Parameters = { new() { Value = LeaderLease } } },
                new NpgsqlBatchCommand($"""
                    SELECT node_id, address, version, last_seen, ({NowMs} - started_at) / 1000, connections, connected_users,
                           stopped_at IS NULL AND {NowMs} - last_seen <= $1
                    FROM cluster_members ORDER BY started_at, node_id
                    """)
                {
                    Parameters = { new() { Value = (long)options.NodeTimeout.TotalMilliseconds } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var leader = await reader.ReadAsync(cancellationToken) ? reader.GetString(0) : null;
        await reader.NextResultAsync(cancellationToken);
        var members = new List<MemberView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            members.Add(new MemberView(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), Math.Max(0, reader.GetInt64(4)), reader.GetInt32(5), reader.GetInt32(6),
                reader.GetBoolean(7)));
        }

        return (leader, members);
    }

    /// <summary>Leader only: drops the rows of nodes gone for <see cref="ForgetAfter"/>.</summary>
    public async Task<int> ForgetGoneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"DELETE FROM cluster_members WHERE last_seen < {NowMs} - $1 AND node_id <> $2", connection)
        {
            Parameters = { new() { Value = (long)ForgetAfter.TotalMilliseconds }, new() { Value = self.Id } },
        };
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
