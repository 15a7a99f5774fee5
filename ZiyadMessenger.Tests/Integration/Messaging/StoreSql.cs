using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>
/// A connection of its own to the store a fixture's host runs on, for tests that look at (or change) the
/// database behind the server's back. SQL with quoted names and <c>@name</c> parameters runs on both.
/// </summary>
internal static class StoreSql
{
    public static async Task<DbConnection> OpenAsync(StoreHostFixture fixture)
    {
        DbConnection connection = fixture.Kind == StoreKind.Sqlite
            ? new SqliteConnection($"Data Source={Path.Combine(fixture.Host.DataDirectory, "ziyad.db")};Foreign Keys=True;Default Timeout=30;Pooling=false")
            : new NpgsqlConnection(fixture.Database!.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<object?> ScalarAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public static async Task<int> ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    private static DbCommand Command(DbConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
