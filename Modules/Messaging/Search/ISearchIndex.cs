namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary>
/// The full-text index a search runs on, per provider: SQLite's FTS5 (<see cref="SqliteSearchIndex"/>) or
/// PostgreSQL's tsvector (<see cref="Postgres.PostgresSearchIndex"/>). Both take the query already parsed
/// (<see cref="SearchQueryParser"/>): FTS5 its quoted expression, PostgreSQL the terms.
/// </summary>
internal interface ISearchIndex
{
    /// <summary>Newest first; each hit's <see cref="SearchHit.Row"/> only grows as messages are stored (the cursor).</summary>
    IReadOnlyList<SearchHit> Search(SearchCriteria criteria, IReadOnlyList<SearchTerm> terms, CancellationToken cancellationToken);

    /// <summary>True when the exception is the index refusing the query (a 400), not the store failing.</summary>
    bool IsQueryError(Exception exception);
}

/// <summary>SQLite's index behind the seam.</summary>
internal sealed class SqliteSearch(SqliteSearchIndex index) : ISearchIndex
{
    public IReadOnlyList<SearchHit> Search(SearchCriteria criteria, IReadOnlyList<SearchTerm> terms, CancellationToken cancellationToken) =>
        index.Search(criteria, cancellationToken);

    public bool IsQueryError(Exception exception) =>
        exception is Microsoft.Data.Sqlite.SqliteException ex && ex.Message.Contains("fts5", StringComparison.OrdinalIgnoreCase);
}
