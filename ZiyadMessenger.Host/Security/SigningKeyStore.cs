using System.Security.Cryptography;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Security;

/// <summary>
/// The token signing key: 64 random bytes made on first start, never built in. On SQLite it is kept in
/// the data directory, readable by the server's own user only. On PostgreSQL it lives in the shared
/// store (<c>host_signing_keys</c>), created once by whichever node starts first, so a token issued by
/// one node is valid on every node and there is no key file to copy between them.
/// </summary>
internal static class SigningKeyStore
{
    public const string FileName = "token-signing.key";
    public const string Table = "host_signing_keys";
    private const int KeyBytes = 64;

    public static byte[] LoadOrCreate(StorePaths paths, StoreOptions store) =>
        store.IsPostgres ? LoadOrCreateShared(store.ConnectionString!) : LoadOrCreateFile(paths);

    /// <summary>
    /// Nodes starting at once against an empty database all try to create the key: an advisory lock held
    /// for the transaction makes the first one create it and the others read that one.
    /// </summary>
    private static byte[] LoadOrCreateShared(string connectionString) => Shared(connectionString, RandomNumberGenerator.GetBytes(KeyBytes), replace: false);

    /// <summary>
    /// <c>migrate-store</c>: the SQLite installation's key becomes the cluster's, so tokens issued before
    /// the move stay valid. Replaces a key made by an earlier, failed attempt on the same empty database.
    /// </summary>
    public static void ShareKey(string connectionString, byte[] key) => Shared(connectionString, key, replace: true);

    private static byte[] Shared(string connectionString, byte[] newKey, bool replace)
    {
        connectionString = PostgresStore.WithDefaults(connectionString);
        using var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new Operations.StoreUnavailableException($"PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}') cannot be reached: {e.Message}", e);
        }

        using var transaction = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText = $"""
                SELECT pg_advisory_xact_lock(hashtext('{Table}'));
                CREATE TABLE IF NOT EXISTS {Table} (id integer PRIMARY KEY, key bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO {Table} (id, key) VALUES (1, @key) ON CONFLICT (id) {(replace ? "DO UPDATE SET key = excluded.key, created_at = now()" : "DO NOTHING")};
                """;
            create.Parameters.AddWithValue("key", newKey);
            create.ExecuteNonQuery();
        }

        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = $"SELECT key FROM {Table} WHERE id = 1;";
        var key = (byte[])read.ExecuteScalar()!;
        transaction.Commit();
        if (key.Length < 32)
        {
            throw new InvalidOperationException($"The signing key in {Table} is shorter than 32 bytes; delete its row to make a new one (all tokens end).");
        }

        return key;
    }

    private static byte[] LoadOrCreateFile(StorePaths paths)
    {
        var directory = paths.KeysDirectory;
        var file = Path.Combine(directory, FileName);
        if (File.Exists(file))
        {
            var existing = File.ReadAllBytes(file);
            if (existing.Length < 32)
            {
                throw new InvalidOperationException($"The signing key {file} is shorter than 32 bytes; delete it to make a new one (all tokens end).");
            }

            return existing;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var temp = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file, overwrite: false);
        return key;
    }
}
