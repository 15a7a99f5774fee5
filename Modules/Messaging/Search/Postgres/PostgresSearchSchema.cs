namespace ZiyadMessenger.Modules.Messaging.Search.Postgres;

/// <summary>
/// The full-text index of messages on PostgreSQL: a <c>tsvector</c> column beside each message, filled by
/// the store in the transaction that writes the message (<see cref="PostgresSearchText"/>), a GIN index
/// over it, and <c>"SearchRow"</c>, a number that only grows as messages are stored, for "newest first"
/// and the cursor (the role SQLite's rowid plays there). The configuration <c>ziyad_search</c> is
/// <c>simple</c> with <c>unaccent</c> in front, so case and accents are folded in the index, in queries and
/// in highlights alike. Outside the EF model, like SQLite's FTS5 table: EF never reads or writes them.
/// <c>unaccent</c> is a trusted extension: the database's owner may create it. Nothing is backfilled:
/// before this migration no message could be stored on PostgreSQL; a copy of an existing SQLite store
/// fills the column with <see cref="PostgresSearchText"/>.
/// </summary>
internal static class PostgresSearchSchema
{
    public const string Create = """
        CREATE EXTENSION IF NOT EXISTS unaccent;
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'ziyad_search') THEN
                CREATE TEXT SEARCH CONFIGURATION ziyad_search (COPY = simple);
                ALTER TEXT SEARCH CONFIGURATION ziyad_search ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
            END IF;
        END $$;
        ALTER TABLE messaging_messages ADD COLUMN IF NOT EXISTS "SearchVector" tsvector;
        ALTER TABLE messaging_messages ADD COLUMN IF NOT EXISTS "SearchRow" bigint GENERATED ALWAYS AS IDENTITY;
        CREATE INDEX IF NOT EXISTS "IX_messaging_messages_SearchVector" ON messaging_messages USING gin ("SearchVector");
        CREATE UNIQUE INDEX IF NOT EXISTS "IX_messaging_messages_SearchRow" ON messaging_messages ("SearchRow");
        """;

    public const string Drop = """
        DROP INDEX IF EXISTS "IX_messaging_messages_SearchRow";
        DROP INDEX IF EXISTS "IX_messaging_messages_SearchVector";
        ALTER TABLE messaging_messages DROP COLUMN IF EXISTS "SearchRow";
        ALTER TABLE messaging_messages DROP COLUMN IF EXISTS "SearchVector";
        DROP TEXT SEARCH CONFIGURATION IF EXISTS ziyad_search;
        """;
}
