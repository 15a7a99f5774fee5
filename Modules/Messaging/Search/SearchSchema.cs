using Microsoft.Data.Sqlite;

namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary>
/// The full-text index of messages: an FTS5 table over the text of type 1 and 2 messages that are not
/// deleted. It is an external-content index (the text lives once, in <c>messaging_messages</c>; FTS5
/// reads it back through a view for snippets). It is kept in step inside the very transaction that
/// changes a message: the batched writer, the only code that inserts messages, indexes each batch with
/// one statement (<see cref="SearchIndexWriter"/>, which says why not by trigger), and triggers on
/// <c>messaging_messages</c> follow every edit, delete or cascade, whatever code (the writer, EF Core,
/// a channel deletion) does it. Content is stored as the decoded bytes, so
/// <c>CAST(Content AS TEXT)</c> is the UTF-8 text the client sent; the unicode61 tokenizer folds case and
/// (with <c>remove_diacritics 2</c>) accents. The index is keyed by the message's rowid, which only grows
/// while the writer appends, so "newest first" is "rowid descending", the order FTS5 walks cheaply.
/// <c>columnsize=0</c>: no per-message row of token counts (they serve only bm25 ranking, which search
/// does not use; results are newest first). Replayed with SQLite's own FTS5 (60,000 inserts of 20-word
/// messages in batches of 256, busy 2-core machine, still by trigger then): the index cost 24-36 µs of
/// CPU per message with the sizes and 21-22 µs without.
/// <para>
/// Two more things make searches cheap whatever is searched for and by whom. <c>prefix='2 3'</c> keeps
/// a second index of every word's first two and first three letters, so <c>te*</c> reads one doclist
/// instead of merging the doclists of every word that starts so (at 1,000,000 messages: ~70 ms of
/// merging before the first result, against ~0.1 ms); longer prefixes match few enough words to merge.
/// The <c>Channel</c> column holds one token per message, its channel id in hex (the id as one word,
/// whatever characters it has), so a caller who reads only a small part of the messages can have the
/// index itself intersect the words with their channels, instead of walking every match of a common
/// word to find the few in channels they may read (<see cref="SqliteSearchIndex"/> decides when).
/// </para>
/// </summary>
internal static class SearchSchema
{
    public const string Table = "messaging_search";
    public const string Source = "messaging_search_source";

    private static readonly string[] Triggers = ["messaging_search_after_delete", "messaging_search_after_update"];

    /// <summary>The index, its source view and triggers; idempotent.</summary>
    public const string Create = """
        CREATE VIEW IF NOT EXISTS messaging_search_source AS
            SELECT rowid AS MessageRow, CAST(Content AS TEXT) AS Body, hex(ChannelId) AS Channel FROM messaging_messages
            WHERE Type IN (1, 2) AND DeletedAt IS NULL;
        CREATE VIRTUAL TABLE IF NOT EXISTS messaging_search USING fts5(
            Body, Channel, content='messaging_search_source', content_rowid='MessageRow',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3', columnsize=0);
        CREATE TRIGGER IF NOT EXISTS messaging_search_after_delete AFTER DELETE ON messaging_messages
            WHEN old.Type IN (1, 2) AND old.DeletedAt IS NULL
        BEGIN
            INSERT INTO messaging_search (messaging_search, rowid, Body, Channel) VALUES ('delete', old.rowid, CAST(old.Content AS TEXT), hex(old.ChannelId));
        END;
        CREATE TRIGGER IF NOT EXISTS messaging_search_after_update AFTER UPDATE OF Type, Content, DeletedAt, ChannelId ON messaging_messages
        BEGIN
            INSERT INTO messaging_search (messaging_search, rowid, Body, Channel)
                SELECT 'delete', old.rowid, CAST(old.Content AS TEXT), hex(old.ChannelId) WHERE old.Type IN (1, 2) AND old.DeletedAt IS NULL;
            INSERT INTO messaging_search (rowid, Body, Channel)
                SELECT new.rowid, CAST(new.Content AS TEXT), hex(new.ChannelId) WHERE new.Type IN (1, 2) AND new.DeletedAt IS NULL;
        END;
        """;

    /// <summary>
    /// How FTS5 merges its segments, kept in the index's own config table (so set once, by a migration).
    /// Every batch the writer commits becomes one small segment; FTS5 merges segments of a level into one
    /// of the next level once <c>automerge</c> of them have gathered, so each entry is written again about
    /// log(segments)/log(automerge) times. The default, 4, spent more of the writer's CPU on merging than on
    /// tokenizing and hashing together; 16 writes each entry about half as often, and a search
    /// reads a few more segments per word, each one b-tree probe. <c>crisismerge</c> (a whole level merged
    /// at once, inside one commit) stays well above it, so merging stays incremental. Figures in BENCHMARKS.md.
    /// </summary>
    public const string MergeTuning = """
        INSERT INTO messaging_search (messaging_search, rank) VALUES ('automerge', 16);
        INSERT INTO messaging_search (messaging_search, rank) VALUES ('crisismerge', 64);
        """;

    /// <summary>FTS5's own merge settings, what <see cref="MergeTuning"/> replaced.</summary>
    public const string DefaultMerging = """
        INSERT INTO messaging_search (messaging_search, rank) VALUES ('automerge', 4);
        INSERT INTO messaging_search (messaging_search, rank) VALUES ('crisismerge', 16);
        """;

    /// <summary>The column the user's words are searched in, and the one that holds each message's channel.</summary>
    public const string BodyColumn = "Body";
    public const string ChannelColumn = "Channel";

    /// <summary>A channel id as the one token the index holds for it (what <c>hex(ChannelId)</c> gives).</summary>
    public static string ChannelToken(string channelId) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(channelId));

    /// <summary>Indexes the text messages stored from a rowid on: what the writer runs once per batch (<see cref="SearchIndexWriter"/>).</summary>
    public const string IndexFromRow = """
        INSERT INTO messaging_search (rowid, Body, Channel)
            SELECT rowid, CAST(Content AS TEXT), hex(ChannelId) FROM messaging_messages
            WHERE rowid >= $first AND Type IN (1, 2) AND DeletedAt IS NULL
        """;

    /// <summary>Indexes every message already stored (the upgrade of an existing database).</summary>
    public const string Rebuild = "INSERT INTO messaging_search (messaging_search) VALUES ('rebuild');";

    /// <summary>The index, its view and triggers gone (the messages stay); what a migration that changes the index starts with.</summary>
    public const string Drop = """
        DROP TRIGGER IF EXISTS messaging_search_after_insert;
        DROP TRIGGER IF EXISTS messaging_search_after_delete;
        DROP TRIGGER IF EXISTS messaging_search_after_update;
        DROP TABLE IF EXISTS messaging_search;
        DROP VIEW IF EXISTS messaging_search_source;
        """;

    /// <summary>
    /// At start-up, after the migrations: if a later migration rebuilt <c>messaging_messages</c> (SQLite
    /// migrations that change a table copy it into a new one, dropping its triggers and renumbering its
    /// rowids), the triggers are gone and the index points at the wrong rows. Then the triggers are made
    /// again and the index rebuilt from the messages, in one transaction. Returns whether it had to.
    /// </summary>
    public static bool EnsureIntact(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ($a, $b)";
        check.Parameters.AddWithValue("$a", Triggers[0]);
        check.Parameters.AddWithValue("$b", Triggers[1]);
        if ((long)check.ExecuteScalar()! == Triggers.Length)
        {
            return false;
        }

        using var transaction = connection.BeginTransaction();
        using var repair = connection.CreateCommand();
        repair.Transaction = transaction;
        repair.CommandText = Create + Rebuild;
        repair.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }
}
