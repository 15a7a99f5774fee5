namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>The two stores a node can run on; behaviour tests run on both where practical.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>The settings that put a node on a PostgreSQL database.</summary>
public static class StoreSettings
{
    public static Dictionary<string, string?> For(PostgresDatabase database, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Store:Provider"] = "postgres",
            ["ZiyadMessenger:Store:ConnectionString"] = database.ConnectionString,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// Skips the running <c>[SkippableFact]</c> when PostgreSQL is not reachable and CI is not set; with CI
    /// set the test goes on and fails, since CI installs and starts it.
    /// </summary>
    public static void SkipUnlessPostgres() =>
        Skip.If(!PostgresServer.InCi && PostgresServer.UnavailableReason is not null, PostgresServer.UnavailableReason);
}

/// <summary>
/// One host per test class on a store of the given kind. Behaviour tests are written once in an abstract
/// class taking a <see cref="StoreHostFixture"/>, with one subclass per store:
/// <c>class XOnSqlite(SqliteHostFixture f) : XBehaviour(f), IClassFixture&lt;SqliteHostFixture&gt;</c> and
/// the same with <see cref="PostgresHostFixture"/>. Their tests are <c>[SkippableFact]</c> and begin with
/// <c>Fixture.Require()</c>, which skips them (with the reason) when PostgreSQL is missing outside CI.
/// </summary>
public abstract class StoreHostFixture(StoreKind kind, IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    private TestHost? _host;

    public StoreKind Kind { get; } = kind;

    /// <summary>The PostgreSQL database of a <see cref="StoreKind.Postgres"/> fixture; null on SQLite.</summary>
    public PostgresDatabase? Database { get; private set; }

    public TestHost Host => _host ?? throw new InvalidOperationException("The host did not start; call Require() first.");

    /// <summary>Skips the calling <c>[SkippableFact]</c> when this fixture's store cannot be had here.</summary>
    public TestHost Require()
    {
        if (Kind == StoreKind.Postgres)
        {
            StoreSettings.SkipUnlessPostgres();
        }

        return Host;
    }

    public async Task InitializeAsync()
    {
        if (Kind == StoreKind.Sqlite)
        {
            _host = await TestHost.StartAsync(settings);
            return;
        }

        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is not null)
        {
            return;
        }

        Database = await PostgresServer.CreateDatabaseAsync();
        _host = await TestHost.StartAsync(StoreSettings.For(Database, settings));
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}

public sealed class SqliteHostFixture() : StoreHostFixture(StoreKind.Sqlite);

public sealed class PostgresHostFixture() : StoreHostFixture(StoreKind.Postgres);
