using System.Data.Common;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Host.Hosting;
using ZiyadMessenger.Host.Security;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Operations;

/// <summary>
/// <c>migrate-store --to postgres</c>: copies a SQLite installation, every module's tables with their ids,
/// seqs and hash chain, into an empty PostgreSQL database, in one transaction (a failed copy leaves the
/// database empty, ready for another try). The target gets the PostgreSQL migrations first; the tables
/// to copy and their columns come from each module's own model on each provider, so a module's new
/// table is copied without being listed here. The signing key goes along, so tokens issued before stay
/// valid. The files' bytes stay where <c>Files:Directory</c> points. Afterwards every table's count and
/// the audit chain are checked on the copy.
/// </summary>
internal static class StoreMigration
{
    public static async Task<int> RunAsync(string[] settingArgs, string? configFile, string? dataDirectory, TextWriter output, CancellationToken cancellationToken)
    {
        var configuration = ConfigurationLayers.Build(settingArgs, configFile);
        var connectionString = configuration[$"{StoreOptions.Section}:ConnectionString"];
        var target = new StoreOptions { Provider = "postgres", ConnectionString = connectionString };
        if (new StoreOptionsValidator().Validate(target) is { IsValid: false } check)
        {
            throw new ConfigurationException($"{StoreOptions.Section}:{check.Errors[0].PropertyName}", check.Errors[0].ErrorMessage);
        }

        var data = dataDirectory ?? configuration[$"{ServerSettings.Section}:DataDirectory"];
        data = Path.GetFullPath(string.IsNullOrWhiteSpace(data) ? "data" : data.Trim());
        var paths = new StorePaths(data, configuration[StorePaths.FilesDirectoryKey]);
        if (!File.Exists(paths.DatabaseFile))
        {
            throw new StoreMigrationException($"There is no SQLite database at '{paths.DatabaseFile}': is '{data}' the server's data directory? (--data DIR names it.)");
        }

        var pg = PostgresStore.WithDefaults(connectionString!);
        await CheckEmptyAsync(pg, cancellationToken);
        output.WriteLine($"Copying {paths.DatabaseFile} into PostgreSQL database '{new NpgsqlConnectionStringBuilder(pg).Database}' on {new NpgsqlConnectionStringBuilder(pg).Host}.");

        var common = new Dictionary<string, string?>
        {
            [$"{ServerSettings.Section}:DataDirectory"] = data,
            ["ZiyadMessenger:Logging:Console"] = "false",
        };
        var sourceSettings = new Dictionary<string, string?>(common) { [$"{StoreOptions.Section}:Provider"] = "sqlite" };
        var targetSettings = new Dictionary<string, string?>(common)
        {
            [$"{StoreOptions.Section}:Provider"] = "postgres",
            [$"{StoreOptions.Section}:ConnectionString"] = connectionString,
        };

        // The source is opened as a start of the server would: an older data format is upgraded first.
        await using var source = ZiyadServer.Build(settingArgs, c => Layer(c, configFile, sourceSettings));
        await ZiyadServer.InitializeAsync(source, cancellationToken);
        SigningKeyStore.ShareKey(pg, SigningKeyStore.LoadOrCreate(paths, new StoreOptions()));

        await using var copy = ZiyadServer.Build(settingArgs, c => Layer(c, configFile, targetSettings));
        var contextTypes = copy.Services.GetRequiredService<RegisteredDbContexts>().Types;
        await using var targetScope = copy.Services.CreateAsyncScope();
        await using var sourceScope = source.Services.CreateAsyncScope();
        foreach (var type in contextTypes)
        {
            // Contexts resolved from a scope belong to it; the scope disposes them (a CLI run leaves the rest to exit).
            var context = RegisteredDbContexts.Create(targetScope.ServiceProvider, type);
            if (context is not null)
            {
                await context.Database.MigrateAsync(cancellationToken);
            }
        }

        var copied = new List<(string Table, long Rows)>();
        await using (var sqlite = SqliteStore.OpenConnection(paths))
        await using (var snapshot = sqlite.BeginTransaction(deferred: true))
        await using (var postgres = new NpgsqlConnection(pg))
        {
            await postgres.OpenAsync(cancellationToken);
            await using var transaction = await postgres.BeginTransactionAsync(cancellationToken);
            foreach (var type in contextTypes)
            {
                var from = RegisteredDbContexts.Create(sourceScope.ServiceProvider, type);
                var to = RegisteredDbContexts.Create(targetScope.ServiceProvider, type);
                if (from is null || to is null)
                {
                    continue;
                }

                foreach (var table in InDependencyOrder(to.Model.GetRelationalModel().Tables))
                {
                    var sourceTable = from.Model.GetRelationalModel().FindTable(table.Name, null);
                    if (sourceTable is null)
                    {
                        continue;
                    }

                    var rows = await CopyTableAsync(sqlite, snapshot, postgres, sourceTable, table, cancellationToken);
                    copied.Add((table.Name, rows));
                }
            }

            await FillMessageSearchAsync(postgres, cancellationToken);
            await ResetIdentitiesAsync(postgres, cancellationToken);
            await SetAuditHeadAsync(postgres, cancellationToken);

            // Counts on both sides, inside both snapshots: what was read is what was written.
            foreach (var (table, rows) in copied)
            {
                var there = await ScalarAsync<long>(postgres, $"SELECT COUNT(*) FROM \"{table}\";", cancellationToken);
                await using var count = sqlite.CreateCommand();
                count.Transaction = snapshot;
                count.CommandText = $"SELECT COUNT(*) FROM \"{table}\";";
                var here = System.Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
                if (here != there || rows != there)
                {
                    throw new StoreMigrationException($"The copy of {table} has {there} rows where SQLite has {here}; nothing was kept.");
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var group in copied.GroupBy(c => c.Table.Split('_')[0]))
        {
            output.WriteLine($"  {group.Key,-10} {string.Join(", ", group.Select(c => $"{c.Table} {c.Rows}"))}");
        }

        var before = await VerifyAsync(source, cancellationToken);
        var after = await VerifyAsync(copy, cancellationToken);
        if (after.Intact != before.Intact || after.Checked != before.Checked || after.BrokenAtId != before.BrokenAtId)
        {
            throw new StoreMigrationException($"The audit chain does not verify the same on the copy ({after.Problem ?? "intact"}) as on SQLite ({before.Problem ?? "intact"}). Drop and re-create the database, then try again.");
        }

        output.WriteLine(after.Intact
            ? $"Audit chain verified on PostgreSQL: {after.Checked} entries intact."
            : $"Audit chain: the SQLite log was already broken at entry {before.BrokenAtId} ({before.Problem}); the copy is identical.");

        var (files, missing) = await CountFilesAsync(pg, paths, cancellationToken);
        output.WriteLine($"Files: {files} recorded; their bytes stay in {paths.FilesDirectory}{(missing > 0 ? $" ({missing} of them are missing there)" : "")}.");
        output.WriteLine($"Done. Start every node with ZiyadMessenger:Store:Provider=postgres, this connection string and ZiyadMessenger:Files:Directory={paths.FilesDirectory} (storage all nodes share).");
        return missing > 0 ? Cli.CommandLine.DataError : Cli.CommandLine.Ok;
    }

    private static void Layer(IConfigurationBuilder builder, string? configFile, Dictionary<string, string?> overrides)
    {
        ConfigurationLayers.AddSystemWide(builder, configFile);
        builder.AddInMemoryCollection(overrides);
    }

    /// <summary>Refuses a database with any row in any table (the migrations' history and the signing key aside).</summary>
    private static async Task CheckEmptyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new StoreUnavailableException($"PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}') cannot be reached: {e.Message}", e);
        }

        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename;", connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables.Where(t => !t.StartsWith("__migrations_", StringComparison.Ordinal) && t != SigningKeyStore.Table))
        {
            if (await ScalarAsync<bool>(connection, $"SELECT EXISTS (SELECT 1 FROM \"{table}\");", cancellationToken))
            {
                throw new StoreMigrationException($"The PostgreSQL database is not empty (table {table} has rows): migrate-store copies into an empty database only, so nothing there is overwritten. Create a new database, or drop and re-create this one.");
            }
        }
    }

    /// <summary>Principal tables before the tables whose foreign keys point at them.</summary>
    private static List<ITable> InDependencyOrder(IEnumerable<ITable> tables)
    {
        var all = tables.ToList();
        var ordered = new List<ITable>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < all.Count)
        {
            var next = all.FirstOrDefault(t => !placed.Contains(t.Name)
                && t.ForeignKeyConstraints.All(fk => fk.PrincipalTable.Name == t.Name || placed.Contains(fk.PrincipalTable.Name) || all.All(o => o.Name != fk.PrincipalTable.Name)))
                ?? all.First(t => !placed.Contains(t.Name));
            ordered.Add(next);
            placed.Add(next.Name);
        }

        return ordered;
    }

    /// <summary>
    /// Streams one table from SQLite into PostgreSQL's binary COPY, in the order the rows were stored
    /// (rowid), each value read as the SQLite model maps it and written as the PostgreSQL model does.
    /// </summary>
    private static async Task<long> CopyTableAsync(SqliteConnection sqlite, SqliteTransaction snapshot, NpgsqlConnection postgres, ITable from, ITable to,
        CancellationToken cancellationToken)
    {
        var columns = new List<(IColumn Source, IColumn Target, NpgsqlDbType Type)>();
        foreach (var column in to.Columns.Where(c => c.ComputedColumnSql is null))
        {
            var sourceColumn = from.FindColumn(column.Name);
            if (sourceColumn is null)
            {
                if (!column.IsNullable && column.DefaultValueSql is null && column.DefaultValue is null)
                {
                    throw new StoreMigrationException($"{to.Name}.{column.Name} exists on PostgreSQL only and has no default; migrate-store cannot fill it.");
                }

                continue;
            }

            columns.Add((sourceColumn, column, DbTypeOf(to.Name, column)));
        }

        var names = string.Join(", ", columns.Select(c => $"\"{c.Target.Name}\""));
        await using var read = sqlite.CreateCommand();
        read.Transaction = snapshot;
        read.CommandText = $"SELECT {string.Join(", ", columns.Select(c => $"\"{c.Source.Name}\""))} FROM \"{from.Name}\" ORDER BY rowid;";
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);

        long rows = 0;
        try
        {
            await using var import = await postgres.BeginBinaryImportAsync($"COPY \"{to.Name}\" ({names}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                await import.StartRowAsync(cancellationToken);
                for (var i = 0; i < columns.Count; i++)
                {
                    var value = reader.IsDBNull(i) ? null : ConvertValue(reader, i, columns[i].Source, columns[i].Target);
                    if (value is null)
                    {
                        await import.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await import.WriteAsync(value, columns[i].Type, cancellationToken);
                    }
                }

                rows++;
            }

            await import.CompleteAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is "22021" or "22P05")
        {
            throw new StoreMigrationException($"A value in {to.Name} cannot be stored by PostgreSQL ({e.MessageText}); nothing was kept.");
        }

        return rows;
    }

    private static object? ConvertValue(DbDataReader reader, int ordinal, IColumn source, IColumn target)
    {
        var sourceMapping = source.PropertyMappings.First().TypeMapping;
        var targetMapping = target.PropertyMappings.First().TypeMapping;
        var stored = Read(reader, ordinal, Nullable.GetUnderlyingType(sourceMapping.Converter?.ProviderClrType ?? sourceMapping.ClrType) ?? (sourceMapping.Converter?.ProviderClrType ?? sourceMapping.ClrType));
        var value = sourceMapping.Converter is { } fromStore ? fromStore.ConvertFromProvider(stored) : stored;
        var written = targetMapping.Converter is { } toStore ? toStore.ConvertToProvider(value) : value;
        return written switch
        {
            DateTimeOffset offset => offset.ToUniversalTime(),
            DateTime time => time.Kind == DateTimeKind.Utc ? time : DateTime.SpecifyKind(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time, DateTimeKind.Utc),
            _ => written,
        };
    }

    private static object Read(DbDataReader reader, int ordinal, Type type) => type switch
    {
        _ when type == typeof(string) => reader.GetString(ordinal),
        _ when type == typeof(long) => reader.GetInt64(ordinal),
        _ when type == typeof(int) => reader.GetInt32(ordinal),
        _ when type == typeof(short) => reader.GetInt16(ordinal),
        _ when type == typeof(byte) => reader.GetByte(ordinal),
        _ when type == typeof(bool) => reader.GetBoolean(ordinal),
        _ when type == typeof(double) => reader.GetDouble(ordinal),
        _ when type == typeof(float) => reader.GetFloat(ordinal),
        _ when type == typeof(decimal) => reader.GetDecimal(ordinal),
        _ when type == typeof(Guid) => reader.GetGuid(ordinal),
        _ when type == typeof(DateTime) => reader.GetDateTime(ordinal),
        _ when type == typeof(DateTimeOffset) => reader.GetFieldValue<DateTimeOffset>(ordinal),
        _ when type == typeof(byte[]) => reader.GetFieldValue<byte[]>(ordinal),
        _ when type.IsEnum => Enum.ToObject(type, reader.GetInt64(ordinal)),
        _ => throw new StoreMigrationException($"A column of type {type.Name} is not one migrate-store knows how to copy."),
    };

    private static NpgsqlDbType DbTypeOf(string table, IColumn column)
    {
        var type = column.StoreType;
        var bare = type.Contains('(', StringComparison.Ordinal) ? type[..type.IndexOf('(', StringComparison.Ordinal)].Trim() : type;
        return bare switch
        {
            "bigint" => NpgsqlDbType.Bigint,
            "integer" => NpgsqlDbType.Integer,
            "smallint" => NpgsqlDbType.Smallint,
            "boolean" => NpgsqlDbType.Boolean,
            "bytea" => NpgsqlDbType.Bytea,
            "text" => NpgsqlDbType.Text,
            "character varying" => NpgsqlDbType.Varchar,
            "timestamp with time zone" => NpgsqlDbType.TimestampTz,
            "timestamp without time zone" => NpgsqlDbType.Timestamp,
            "double precision" => NpgsqlDbType.Double,
            "real" => NpgsqlDbType.Real,
            "numeric" => NpgsqlDbType.Numeric,
            "uuid" => NpgsqlDbType.Uuid,
            "date" => NpgsqlDbType.Date,
            "jsonb" => NpgsqlDbType.Jsonb,
            _ => throw new StoreMigrationException($"{table}.{column.Name} has type {type}, which migrate-store does not copy yet."),
        };
    }

    /// <summary>
    /// Messaging's search column is outside its model (like SQLite's FTS5 table) and filled by the store
    /// as it writes: for copied messages, here, with the very text the writer would index.
    /// </summary>
    private static async Task FillMessageSearchAsync(NpgsqlConnection postgres, CancellationToken cancellationToken)
    {
        const int batch = 2000;
        var last = "";
        while (true)
        {
            var ids = new List<string>(batch);
            var texts = new List<string?>(batch);
            await using (var page = new NpgsqlCommand("""SELECT "Id", "Type", "Content" FROM messaging_messages WHERE "Id" > @last ORDER BY "Id" LIMIT @n;""", postgres))
            {
                page.Parameters.AddWithValue("last", last);
                page.Parameters.AddWithValue("n", batch);
                await using var reader = await page.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetString(0));
                    texts.Add(Modules.Messaging.Search.Postgres.PostgresSearchText.For(reader.GetInt32(1), reader.GetFieldValue<byte[]>(2)));
                }
            }

            if (ids.Count == 0)
            {
                return;
            }

            await using (var update = new NpgsqlCommand($"""
                UPDATE messaging_messages m SET "SearchVector" = to_tsvector('{Modules.Messaging.Search.Postgres.PostgresSearchText.Configuration}', u.text)
                FROM unnest(@ids, @texts) AS u(id, text) WHERE m."Id" = u.id AND u.text IS NOT NULL;
                """, postgres))
            {
                update.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids.ToArray() });
                update.Parameters.Add(new NpgsqlParameter("texts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts.ToArray() });
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            last = ids[^1];
        }
    }

    /// <summary>Ids were copied as they were: each identity continues after the highest one.</summary>
    private static async Task ResetIdentitiesAsync(NpgsqlConnection postgres, CancellationToken cancellationToken)
    {
        var identities = new List<(string Table, string Column)>();
        await using (var list = new NpgsqlCommand("""
            SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%');
            """, postgres))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                identities.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (table, column) in identities)
        {
            await using var reset = new NpgsqlCommand($"""
                SELECT setval(pg_get_serial_sequence(@table, @column), m) FROM (SELECT MAX("{column}") AS m FROM "{table}") AS top WHERE m IS NOT NULL;
                """, postgres);
            reset.Parameters.AddWithValue("table", $"\"{table}\"");
            reset.Parameters.AddWithValue("column", column);
            await reset.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The chain's head row names the last copied entry, so a tail removed later is noticed.</summary>
    private static async Task SetAuditHeadAsync(NpgsqlConnection postgres, CancellationToken cancellationToken)
    {
        await using var head = new NpgsqlCommand($"""
            INSERT INTO {Modules.Audit.Data.AuditDbContext.ChainHeadTable} (id, last_id, last_hash)
            SELECT 1, id, hash FROM {Modules.Audit.Data.AuditDbContext.EntriesTable} ORDER BY id DESC LIMIT 1
            ON CONFLICT (id) DO NOTHING;
            """, postgres);
        await head.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<AuditVerification> VerifyAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new VerifyAuditChain(), cancellationToken);
    }

    private static async Task<(long Files, long Missing)> CountFilesAsync(string connectionString, StorePaths paths, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT id FROM files_files;", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long files = 0, missing = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            files++;
            var id = reader.GetString(0);
            if (!File.Exists(Path.Combine(paths.FilesDirectory, id[..2], id + ".enc")))
            {
                missing++;
            }
        }

        return (files, missing);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>The copy cannot be made or did not check out; the program exits 65 with one line.</summary>
internal sealed class StoreMigrationException(string message) : Exception(message);
