using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Store;

/// <summary>
/// Every module's model has a migration on each provider: a model change without <c>dotnet ef migrations
/// add</c> (SQLite and PostgreSQL) fails here, and the migrations build a working schema on an empty
/// database of each provider. (EF Core's own migration lock does not keep concurrent migrators of one
/// PostgreSQL database apart: two both insert the same history row. Nodes started at once are kept apart
/// by the host's start-up lock instead; MultiNode/ClusterStartTests starts three at once.)
/// </summary>
public sealed class MigrationsTests
{
    /// <summary>Each module's context per provider: the module's own type for SQLite, its Postgres subclass for PostgreSQL.</summary>
    private static readonly Dictionary<string, (Type Sqlite, Type Postgres)> Contexts = new()
    {
        [ModuleNames.Admin] = (typeof(Modules.Admin.Data.AdminDbContext), typeof(Modules.Admin.Data.PostgresAdminDbContext)),
        [ModuleNames.Auth] = (typeof(Modules.Auth.Data.AuthDbContext), typeof(Modules.Auth.Data.PostgresAuthDbContext)),
        [ModuleNames.Messaging] = (typeof(Modules.Messaging.Data.MessagingDbContext), typeof(Modules.Messaging.Data.PostgresMessagingDbContext)),
        [ModuleNames.Files] = (typeof(Modules.Files.Data.FilesDbContext), typeof(Modules.Files.Data.PostgresFilesDbContext)),
        [ModuleNames.Presence] = (typeof(Modules.Presence.Data.PresenceDbContext), typeof(Modules.Presence.Data.PostgresPresenceDbContext)),
        [ModuleNames.Audit] = (typeof(Modules.Audit.Data.AuditDbContext), typeof(Modules.Audit.Data.PostgresAuditDbContext)),
        [ModuleNames.Cluster] = (typeof(Modules.Cluster.Data.ClusterDbContext), typeof(Modules.Cluster.Data.PostgresClusterDbContext)),
    };

    public static TheoryData<string, StoreKind> EveryContext()
    {
        var data = new TheoryData<string, StoreKind>();
        foreach (var module in ModuleNames.All)
        {
            data.Add(module, StoreKind.Sqlite);
            data.Add(module, StoreKind.Postgres);
        }

        return data;
    }

    [Fact]
    public void Every_DbContext_of_every_module_is_checked()
    {
        Contexts.Keys.Should().BeEquivalentTo(ModuleNames.All, "a module added later must have its contexts checked too");
        var declared = Contexts.Values.Select(c => c.Sqlite.Assembly).Distinct()
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(DbContext).IsAssignableFrom(t) && !t.IsAbstract);
        declared.Should().BeEquivalentTo(Contexts.Values.SelectMany(c => new[] { c.Sqlite, c.Postgres }),
            "a context this test does not know would escape the check");
    }

    [Theory]
    [MemberData(nameof(EveryContext))]
    public void The_model_has_no_change_without_a_migration(string module, StoreKind store)
    {
        using var context = Create(module, store);
        context.Database.GetMigrations().Should().NotBeEmpty($"{module} has migrations for {store}");
        context.Database.HasPendingModelChanges().Should().BeFalse(
            $"{module}'s model on {store} differs from its last migration's snapshot: run dotnet ef migrations add for --context {context.GetType().Name}");
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public void A_model_change_without_a_migration_is_caught(StoreKind store)
    {
        // The same context type (so the same migrations and snapshot), its model changed by one column.
        using var changed = Create(ModuleNames.Auth, store, b => b.ReplaceService<IModelCustomizer, OneMoreColumn>());
        changed.Database.HasPendingModelChanges().Should().BeTrue("an unmigrated column must be noticed");
    }

    [Fact]
    public async Task Migrations_build_a_working_schema_on_an_empty_SQLite_database()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            var paths = new StorePaths(directory);
            SqliteStore.EnableWal(paths);
            foreach (var module in ModuleNames.All)
            {
                await using var context = Create(module, StoreKind.Sqlite, b => b.UseZiyadSqlite(paths, module));
                await MigrateAndProbeAsync(context, module);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [PostgresFact]
    public async Task Migrations_build_a_working_schema_on_an_empty_PostgreSQL_database()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var source = PostgresStore.CreateDataSource(database.ConnectionString);
        foreach (var module in ModuleNames.All)
        {
            await using var context = Create(module, StoreKind.Postgres, b => b.UseZiyadPostgres(source, module));
            await MigrateAndProbeAsync(context, module);
        }
    }

    [PostgresFact]
    public async Task Three_nodes_starting_on_one_empty_PostgreSQL_database_at_once_migrate_and_seed_it_once()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var apps = Enumerable.Range(0, 3).Select(_ =>
        {
            var settings = StoreSettings.For(database, new Dictionary<string, string?>
            {
                ["ZiyadMessenger:DataDirectory"] = TestHost.NewDataDirectory(),
                ["ZiyadMessenger:Logging:Console"] = "false",
            });
            return ZiyadMessenger.Host.ZiyadServer.Build([], b => b.AddInMemoryCollection(settings));
        }).ToList();
        try
        {
            // As three nodes start: each prepares the store (migrations, then seed rows), all at once.
            using var start = new Barrier(3);
            await Task.WhenAll(apps.Select(app => Task.Run(async () =>
            {
                start.SignalAndWait();
                await ZiyadMessenger.Host.ZiyadServer.InitializeAsync(app);
            })));

            await using var source = PostgresStore.CreateDataSource(database.ConnectionString);
            foreach (var module in ModuleNames.All)
            {
                await using var context = Create(module, StoreKind.Postgres, b => b.UseZiyadPostgres(source, module));
                (await context.Database.GetAppliedMigrationsAsync()).Should().Equal(context.Database.GetMigrations(), $"{module}'s migrations ran once each");
                var history = $"__migrations_{module.ToLowerInvariant()}";
                (await database.ScalarAsync<long>($"SELECT count(*) FROM \"{history}\"")).Should().Be(context.Database.GetMigrations().Count());
            }

            (await database.ScalarAsync<long>("SELECT count(*) FROM admin_admins")).Should().Be(1, "one first admin");
            (await database.ScalarAsync<long>("SELECT count(*) FROM admin_roles")).Should().Be(1, "one default role");
            (await database.ScalarAsync<long>("SELECT count(*) FROM messaging_channels WHERE \"Id\" = 'general'")).Should().Be(1);
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>Migrates, checks nothing is left to apply (twice: migrating again is a no-op), and reads every table through the model.</summary>
    private static async Task MigrateAndProbeAsync(DbContext context, string module)
    {
        await context.Database.MigrateAsync();
        (await context.Database.GetPendingMigrationsAsync()).Should().BeEmpty($"{module}: every migration applied");
        (await context.Database.GetAppliedMigrationsAsync()).Should().Equal(context.Database.GetMigrations());
        await context.Database.MigrateAsync();

        // Selecting every mapped column of every table fails when a migration left a column or table out.
        var probe = typeof(MigrationsTests).GetMethod(nameof(ProbeAsync), BindingFlags.NonPublic | BindingFlags.Static)!;
        var tables = context.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && e.BaseType is null && !e.IsOwned() && !e.HasSharedClrType).ToList();
        tables.Should().NotBeEmpty($"{module} has tables");
        foreach (var entity in tables)
        {
            await (Task)probe.MakeGenericMethod(entity.ClrType).Invoke(null, [context])!;
        }
    }

    private static async Task ProbeAsync<T>(DbContext context)
        where T : class =>
        await context.Set<T>().AsNoTracking().Take(1).ToListAsync();

    /// <summary>A context of the module on the provider; without <paramref name="configure"/>, the design-time options (no database is opened).</summary>
    private static DbContext Create(string module, StoreKind store, Action<DbContextOptionsBuilder>? configure = null)
    {
        var type = store == StoreKind.Sqlite ? Contexts[module].Sqlite : Contexts[module].Postgres;
        var builder = (DbContextOptionsBuilder)Activator.CreateInstance(typeof(DbContextOptionsBuilder<>).MakeGenericType(type))!;
        if (store == StoreKind.Sqlite)
        {
            builder.UseZiyadSqlite(new StorePaths(Path.Combine(Path.GetTempPath(), "ziyad-migrations-check")), module);
        }
        else
        {
            builder.UseNpgsql("Host=unused;Database=unused", o => o.MigrationsHistoryTable($"__migrations_{module.ToLowerInvariant()}"));
        }

        configure?.Invoke(builder);
        return (DbContext)Activator.CreateInstance(type, builder.Options)!;
    }

    /// <summary>The module's model plus a column no migration has.</summary>
    internal sealed class OneMoreColumn(ModelCustomizerDependencies dependencies) : RelationalModelCustomizer(dependencies)
    {
        public override void Customize(ModelBuilder modelBuilder, DbContext context)
        {
            base.Customize(modelBuilder, context);
            var entity = modelBuilder.Model.GetEntityTypes().First(e => e.GetTableName() is not null);
            modelBuilder.Entity(entity.ClrType).Property<string>("UnmigratedColumn");
        }
    }
}
