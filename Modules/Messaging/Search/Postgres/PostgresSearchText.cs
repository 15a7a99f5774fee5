using System.Text;

namespace ZiyadMessenger.Modules.Messaging.Search.Postgres;

/// <summary>
/// What PostgreSQL indexes of a message: the text of a text message (types 1 and 2), nothing of any
/// other type. The one place that decides it: the writer, the edits and a later copy of an existing
/// store into PostgreSQL all fill <c>"SearchVector"</c> as <c>to_tsvector('ziyad_search', For(type, content))</c>.
/// Computed here, not by a generated column: <c>unaccent</c> is not immutable, and PostgreSQL text may not
/// hold the NUL character a message's bytes can.
/// </summary>
internal static class PostgresSearchText
{
    /// <summary>The text configuration made by the migration: simple (no stemming, no stop words), accents removed.</summary>
    public const string Configuration = "ziyad_search";

    public static string? For(int type, byte[] content) =>
        type is 1 or 2 ? Encoding.UTF8.GetString(content).Replace('\0', ' ') : null;
}
