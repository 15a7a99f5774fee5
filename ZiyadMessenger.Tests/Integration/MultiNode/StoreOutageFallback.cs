using Npgsql;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>
/// Cuts one test database off without stopping the shared server, for <see cref="StoreOutageTests"/>.
/// <c>PostgresDatabase</c> gains instance methods of the same names and meaning in the shared test
/// infrastructure; where they exist they take precedence over these extensions, and this file can go.
/// </summary>
internal static class StoreOutageFallback
{
    public static Task BeginOutageAsync(this PostgresDatabase database) => AdminAsync($"""
        ALTER DATABASE {database.Name} WITH ALLOW_CONNECTIONS false;
        SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '{database.Name}' AND pid <> pg_backend_pid();
        """);

    public static Task EndOutageAsync(this PostgresDatabase database) =>
        AdminAsync($"ALTER DATABASE {database.Name} WITH ALLOW_CONNECTIONS true;");

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
