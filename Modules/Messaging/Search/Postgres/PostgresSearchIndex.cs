using System.Text;
using Npgsql;
using NpgsqlTypes;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Sending.Postgres;

namespace ZiyadMessenger.Modules.Messaging.Search.Postgres;

/// <summary>
/// Search on PostgreSQL's index (<see cref="PostgresSearchSchema"/>): the GIN index finds the matches, the
/// channel, sender and time filters apply to them, newest first by <c>"SearchRow"</c>. The tsquery is
/// built here from the parsed terms, each a quoted lexeme with its quotes and backslashes escaped, so no
/// user text is ever read as tsquery syntax: every term must match (<c>&amp;</c>), a phrase's words in
/// order (PostgreSQL makes <c>&lt;-&gt;</c> of a quoted run of words), a prefix term ends in <c>:*</c>.
/// The highlight is PostgreSQL's <c>ts_headline</c> over the page's texts, with the same configuration, so
/// an accented word is marked where the query had none.
/// </summary>
internal sealed class PostgresSearchIndex(NpgsqlDataSource dataSource) : ISearchIndex
{
    private const string Config = PostgresSearchText.Configuration;

    private const string Sql =
        $"SELECT {PostgresMessageRows.Columns}, m.\"SearchRow\" FROM messaging_messages AS m " +
        $"WHERE m.\"SearchVector\" @@ to_tsquery('{Config}', @query) AND m.\"SearchRow\" < @below " +
        "AND m.\"ChannelId\" = ANY(@channels) AND (@sender IS NULL OR m.\"SenderId\" = @sender) " +
        "AND m.\"Timestamp\" > @after AND m.\"Timestamp\" < @before AND m.\"DeletedAt\" IS NULL " +
        "ORDER BY m.\"SearchRow\" DESC LIMIT @limit";

    private const string HeadlineSql =
        $"SELECT ts_headline('{Config}', u.body, to_tsquery('{Config}', @query), @options) " +
        "FROM unnest(@bodies) WITH ORDINALITY AS u(body, n) ORDER BY u.n";

    /// <summary>The marks <see cref="SearchMessagesHandler.ToHighlight"/> turns into ranges; about as long a snippet as SQLite's.</summary>
    private static readonly string HeadlineOptions =
        $"StartSel={SqliteSearchIndex.MarkStart}, StopSel={SqliteSearchIndex.MarkEnd}, MaxFragments=1, MaxWords=24, MinWords=8, FragmentDelimiter=…";

    public IReadOnlyList<SearchHit> Search(SearchCriteria criteria, IReadOnlyList<SearchTerm> terms, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var query = ToTsQuery(terms);
        using var connection = dataSource.OpenConnection();
        var found = new List<(StoredMessage Message, long Row)>(criteria.Limit);
        using (var command = new NpgsqlCommand(Sql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter("query", NpgsqlDbType.Text) { Value = query });
            command.Parameters.Add(new NpgsqlParameter("below", NpgsqlDbType.Bigint) { Value = criteria.BelowRow ?? long.MaxValue });
            command.Parameters.Add(new NpgsqlParameter("channels", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = criteria.ChannelIds.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("sender", NpgsqlDbType.Text) { Value = (object?)criteria.SenderId ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Bigint) { Value = criteria.After ?? long.MinValue });
            command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = criteria.Before ?? long.MaxValue });
            command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Bigint) { Value = (long)criteria.Limit });
            command.Prepare();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                found.Add((PostgresMessageRows.Read(reader), reader.GetInt64(15)));
            }
        }

        if (found.Count == 0)
        {
            return [];
        }

        var snippets = new List<string>(found.Count);
        using (var headline = new NpgsqlCommand(HeadlineSql, connection))
        {
            headline.Parameters.Add(new NpgsqlParameter("query", NpgsqlDbType.Text) { Value = query });
            headline.Parameters.Add(new NpgsqlParameter("options", NpgsqlDbType.Text) { Value = HeadlineOptions });
            headline.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Text)
            {
                Value = found.Select(f => PostgresSearchText.For(f.Message.Type, f.Message.Content) ?? "").ToArray(),
            });
            using var reader = headline.ExecuteReader();
            while (reader.Read())
            {
                snippets.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
            }
        }

        return found.Select((f, i) => new SearchHit(f.Message, f.Row, i < snippets.Count ? snippets[i] : "")).ToList();
    }

    /// <summary>PostgreSQL's syntax_error is the tsquery refused; the parser should never let one through.</summary>
    public bool IsQueryError(Exception exception) => exception is PostgresException { SqlState: "42601" };

    /// <summary>Every term as one quoted lexeme (<c>'…'</c>, quotes doubled, backslashes doubled), all of them required.</summary>
    internal static string ToTsQuery(IReadOnlyList<SearchTerm> terms)
    {
        var query = new StringBuilder();
        foreach (var term in terms)
        {
            if (query.Length > 0)
            {
                query.Append(" & ");
            }

            query.Append('\'').Append(term.Text.Replace("\\", "\\\\").Replace("'", "''")).Append('\'');
            if (term.Prefix)
            {
                query.Append(":*");
            }
        }

        return query.ToString();
    }
}
