using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary>What to look for, already checked: an FTS5 expression of quoted terms and the caller's readable channels.</summary>
internal sealed record SearchCriteria(
    string Expression, SearchScope Scope, string? SenderId, long? After, long? Before, long? BelowRow, int Limit)
{
    /// <summary>
    /// The MATCH text: the user's terms in the message text only (never in the channel column), and when
    /// the scope says so, one of the caller's channels as well.
    /// </summary>
    public string MatchText()
    {
        var text = $"{{{SearchSchema.BodyColumn}}} : ({Expression})";
        if (Scope.IndexChannelIds is not { } channels)
        {
            return text;
        }

        // An empty list means no readable channel holds a message: a channel token that is never stored.
        var tokens = channels.Count == 0 ? "\"00\"" : string.Join(" OR ", channels.Select(c => "\"" + SearchSchema.ChannelToken(c) + "\""));
        return $"{text} AND {{{SearchSchema.ChannelColumn}}} : ({tokens})";
    }
}

internal sealed record SearchHit(StoredMessage Message, long Row, string Snippet);

/// <summary>
/// Runs searches on a few pooled read connections with the statement prepared (in WAL mode a reader
/// neither waits for the writer nor holds it up). FTS5 walks the matches newest first (rowid
/// descending; the query plan is one scan of the FTS5 table with its own order, no sort) and each match
/// is joined to its message by rowid, where the channel, sender and time filters apply; the walk stops
/// at the page's last result. A page of a common word therefore costs a few dozen matches, a rare word
/// a few doclist pages, a prefix of two or three letters one doclist of the prefix index. When the
/// caller may not read every channel, <see cref="SearchScope"/> has the index intersect the words with
/// the caller's channels, so the walk never crosses other people's matches.
/// </summary>
internal sealed class SqliteSearchIndex(StorePaths paths) : IDisposable
{
    /// <summary>Marks around each matched token in a snippet: private-use characters, turned into offsets later.</summary>
    public const char MarkStart = '\uE000';
    public const char MarkEnd = '\uE001';
    private const int MaxIdle = 4;

    private const string Sql = """
        SELECT m.Id, m.ChannelId, m.Seq, m.SenderId, m.Timestamp, m.Type, m.Content, m.Nonce, m.Signature, m.ClientMsgId,
               m.EditedAt, m.DeletedAt, m.RootId, m.ReplyCount, m.LastReplyAt, s.rowid, snippet(messaging_search, 0, char(57344), char(57345), '…', 24)
        FROM messaging_search AS s CROSS JOIN messaging_messages AS m ON m.rowid = s.rowid
        WHERE messaging_search MATCH $match AND s.rowid < $below
          AND m.ChannelId IN (SELECT value FROM json_each($channels))
          AND ($sender IS NULL OR m.SenderId = $sender)
          AND m.Timestamp > $after AND m.Timestamp < $before
        ORDER BY s.rowid DESC
        LIMIT $limit
        """;

    private readonly ConcurrentBag<Reader> _idle = [];
    private int _idleCount;
    private volatile bool _disposed;

    public IReadOnlyList<SearchHit> Search(SearchCriteria criteria, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var reader = Rent();
        try
        {
            var hits = reader.Run(criteria);
            Return(reader);
            return hits;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private Reader Rent()
    {
        if (_idle.TryTake(out var reader))
        {
            Interlocked.Decrement(ref _idleCount);
            return reader;
        }

        return new Reader(paths);
    }

    private void Return(Reader reader)
    {
        if (!_disposed && Interlocked.Increment(ref _idleCount) <= MaxIdle)
        {
            _idle.Add(reader);
            return;
        }

        Interlocked.Decrement(ref _idleCount);
        reader.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;

        public Reader(StorePaths paths)
        {
            _connection = SqliteStore.OpenConnection(paths);
            _command = _connection.CreateCommand();
            _command.CommandText = Sql;
            _command.Parameters.Add("$match", SqliteType.Text);
            _command.Parameters.Add("$below", SqliteType.Integer);
            _command.Parameters.Add("$channels", SqliteType.Text);
            _command.Parameters.Add("$sender", SqliteType.Text);
            _command.Parameters.Add("$after", SqliteType.Integer);
            _command.Parameters.Add("$before", SqliteType.Integer);
            _command.Parameters.Add("$limit", SqliteType.Integer);
            _command.Prepare();
        }

        public List<SearchHit> Run(SearchCriteria c)
        {
            var p = _command.Parameters;
            p[0].Value = c.MatchText();
            p[1].Value = c.BelowRow ?? long.MaxValue;
            p[2].Value = JsonSerializer.Serialize(c.Scope.ChannelIds);
            p[3].Value = (object?)c.SenderId ?? DBNull.Value;
            p[4].Value = c.After ?? long.MinValue;
            p[5].Value = c.Before ?? long.MaxValue;
            p[6].Value = c.Limit;
            var hits = new List<SearchHit>(c.Limit);
            using var reader = _command.ExecuteReader();
            while (reader.Read())
            {
                var message = new StoredMessage(
                    reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt32(5),
                    (byte[])reader.GetValue(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetInt64(10),
                    reader.IsDBNull(11) ? null : reader.GetInt64(11),
                    reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt32(13), reader.IsDBNull(14) ? null : reader.GetInt64(14));
                hits.Add(new SearchHit(message, reader.GetInt64(15), reader.IsDBNull(16) ? "" : reader.GetString(16)));
            }

            return hits;
        }

        public void Dispose()
        {
            _command.Dispose();
            _connection.Dispose();
        }
    }
}
