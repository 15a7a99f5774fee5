using System.Security.Cryptography;
using Npgsql;

namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the multi-node tests run on: Debian's package, started by <c>.ci/postgres</c>,
/// reached with <c>ZIYAD_TEST_POSTGRES</c> (a role that may create databases and roles). Each test
/// class makes its own throwaway database and role and drops both when it ends.
/// </summary>
public static class PostgresServer
{
    /// <summary>What <c>.ci/postgres</c> sets up when the variable is not given.</summary>
    private const string Default = "Host=127.0.0.1;Port=5432;Username=ziyad_tests;Password=ziyad_tests;Database=postgres;Timeout=5";

    public static string AdminConnectionString { get; } =
        Environment.GetEnvironmentVariable("ZIYAD_TEST_POSTGRES") is { Length: > 0 } given ? given : Default;

    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>Why PostgreSQL cannot be used, or null when it can.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public static async Task<PostgresDatabase> CreateDatabaseAsync()
    {
        if (UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var name = "ziyad_t_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"CREATE ROLE {name} LOGIN PASSWORD '{password}'; GRANT {name} TO CURRENT_USER;";
            await command.ExecuteNonQueryAsync();
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"CREATE DATABASE {name} OWNER {name};";
            await command.ExecuteNonQueryAsync();
        }

        var target = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = name,
            Username = name,
            Password = password,
            Timeout = 5,
        };
        return new PostgresDatabase(name, target.ConnectionString);
    }

    /// <summary>Runs statements as the admin role on the server's maintenance database.</summary>
    public static async Task AdminExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>See <see cref="PostgresDatabase.BeginOutageAsync"/>.</summary>
    public static Task BeginOutageAsync(PostgresDatabase database) => database.BeginOutageAsync();

    /// <summary>See <see cref="PostgresDatabase.EndOutageAsync"/>.</summary>
    public static Task EndOutageAsync(PostgresDatabase database) => database.EndOutageAsync();

    private static string? Probe()
    {
        try
        {
            using var connection = new NpgsqlConnection(AdminConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            return $"PostgreSQL is not reachable ({e.Message}); run .ci/postgres (installs and starts Debian's postgresql) or set ZIYAD_TEST_POSTGRES.";
        }
    }
}

/// <summary>A throwaway database with its own owner role, dropped (with every connection to it) on dispose.</summary>
public sealed class PostgresDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>For the nodes: the database's owner, as an installation would configure it.</summary>
    public string ConnectionString { get; } = connectionString;

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Makes the database unreachable for the nodes without stopping the shared server: it refuses new
    /// connections and every open one is ended, as when PostgreSQL goes away (run as the admin role,
    /// a member of the database's owner). <see cref="EndOutageAsync"/> lets connections in again.
    /// </summary>
    public async Task BeginOutageAsync()
    {
        // Two statements, two transactions: sent together they would run as one, and a node could open a
        // connection after the terminate but before the refusal is committed, and keep it through the outage.
        await PostgresServer.AdminExecuteAsync($"ALTER DATABASE {Name} WITH ALLOW_CONNECTIONS false;");
        await PostgresServer.AdminExecuteAsync(
            $"SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{Name}' AND pid <> pg_backend_pid();");
    }

    /// <summary>Ends <see cref="BeginOutageAsync"/>: the database accepts connections again; the nodes must find it by themselves.</summary>
    public Task EndOutageAsync() => PostgresServer.AdminExecuteAsync($"ALTER DATABASE {Name} WITH ALLOW_CONNECTIONS true;");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgresServer.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS {Name} WITH (FORCE); DROP ROLE IF EXISTS {Name};";
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A test on PostgreSQL: skipped with the reason when no server is reachable, unless CI is set (then it fails).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory on PostgreSQL: skipped like <see cref="PostgresFactAttribute"/>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
