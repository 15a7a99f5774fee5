using System.Security.Cryptography;
using Npgsql;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL database for a run on the <c>postgres</c> store: made with the role given by
/// <c>--pg</c> (or <c>ZIYAD_BENCH_POSTGRES</c>, else the local role <c>.ci/postgres</c> makes), dropped after.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private const string LocalDefault = "Host=127.0.0.1;Port=5432;Username=ziyad_tests;Password=ziyad_tests;Database=postgres";

    private readonly string _admin;

    private BenchDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    /// <summary>What the nodes are configured with.</summary>
    public string ConnectionString { get; }

    public static async Task<BenchDatabase> CreateAsync(BenchOptions options, int poolSizePerNode)
    {
        var admin = options.String("pg") ?? Environment.GetEnvironmentVariable("ZIYAD_BENCH_POSTGRES") ?? LocalDefault;
        var name = "ziyad_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(admin))
        {
            try
            {
                await connection.OpenAsync();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw new BenchException($"--store postgres: cannot reach PostgreSQL with --pg ({e.Message}); run .ci/postgres or pass --pg.");
            }

            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var target = new NpgsqlConnectionStringBuilder(admin) { Database = name, MaxPoolSize = poolSizePerNode };
        return new BenchDatabase(admin, name, target.ConnectionString);
    }

    /// <summary>The node settings for this database, as environment variables.</summary>
    public Dictionary<string, string> NodeEnvironment() => new()
    {
        ["ZiyadMessenger__Store__Provider"] = "postgres",
        ["ZiyadMessenger__Store__ConnectionString"] = ConnectionString,
    };

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
