using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>GET /search over real HTTP: the query language, paging, access rules, and the index following edits and deletes.</summary>
public abstract class SearchTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    /// <summary>A word no other test sends, so each test sees only its own messages.</summary>
    protected static string Word() => "w" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<JsonElement> SearchAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/search?" + query);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    protected static async Task<List<string>> FoundTextsAsync(HttpClient client, string q, string extra = "") =>
        (await SearchAsync(client, $"q={Uri.EscapeDataString(q)}{extra}")).GetProperty("results").EnumerateArray().Select(MessagingApi.Text).ToList();

    [SkippableFact]
    public async Task Every_word_must_match_in_any_letter_case_with_accents_folded()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var w = Word();
        await client.SendAsync("general", $"Rapat di Café {w} besok");
        await client.SendAsync("general", $"rapat {w} dibatalkan");

        (await FoundTextsAsync(client, $"CAFE {w.ToUpperInvariant()}")).Should().Equal($"Rapat di Café {w} besok");
        (await FoundTextsAsync(client, $"rapat {w}")).Should().HaveCount(2);
        (await FoundTextsAsync(client, $"café {w} dibatalkan")).Should().BeEmpty("all words must match");
        (await FoundTextsAsync(client, $"naïve {w}")).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Quotes_backslashes_and_query_operators_inside_words_are_searched_for_as_text()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var w = Word();
        await client.SendAsync("general", $"don't copy C:\\temp\\{w} to fat&thin <-> bar|baz !yes");
        await client.SendAsync("general", $"do not copy {w}");

        (await FoundTextsAsync(client, $"don't {w}")).Should().Equal($"don't copy C:\\temp\\{w} to fat&thin <-> bar|baz !yes");
        (await FoundTextsAsync(client, $"C:\\temp\\{w}")).Should().HaveCount(1);
        (await FoundTextsAsync(client, $"fat&thin {w}")).Should().HaveCount(1);
        (await FoundTextsAsync(client, $"bar|baz !yes {w}")).Should().HaveCount(1);
        (await FoundTextsAsync(client, $"\"copy {w}\"")).Should().HaveCount(1, "a phrase: only the second message has the words next to each other");
        (await FoundTextsAsync(client, $"{w} 'copy':* ")).Should().HaveCount(2);
    }

    [SkippableFact]
    public async Task Phrases_match_words_in_order_and_prefixes_match_word_starts()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var w = Word();
        await client.SendAsync("general", $"{w} quick brown fox");
        await client.SendAsync("general", $"{w} brown quick fox");
        await client.SendAsync("general", $"{w} meeting moved");

        (await FoundTextsAsync(client, $"{w} \"quick brown\"")).Should().Equal($"{w} quick brown fox");
        (await FoundTextsAsync(client, $"{w} \"QUICK   brown\"")).Should().Equal($"{w} quick brown fox");
        (await FoundTextsAsync(client, $"{w} meet*")).Should().Equal($"{w} meeting moved");
        (await FoundTextsAsync(client, $"{w[..8]}*")).Should().HaveCount(3);
        (await FoundTextsAsync(client, $"{w} meet")).Should().BeEmpty("without * a word matches whole words only");
        // Characters FTS5 would read as syntax are searched for as text inside a word.
        (await FoundTextsAsync(client, $"{w} -brown:quick")).Should().Equal($"{w} brown quick fox");
    }

    [SkippableFact]
    public async Task Only_text_messages_are_indexed_and_results_come_newest_first_with_a_highlight()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var w = Word();
        await client.SendAsync("general", $"first {w}", type: 1);
        await client.SendAsync("general", $"second {w}", type: 2);
        await client.SendAsync("general", $"file {w}", type: 3);
        await client.SendAsync("general", $"system {w}", type: 4);

        var page = await SearchAsync(client, $"q={w}");
        var results = page.GetProperty("results").EnumerateArray().ToList();
        results.Select(MessagingApi.Text).Should().Equal($"second {w}", $"first {w}");
        results[0].GetProperty("seq").GetInt64().Should().BeGreaterThan(results[1].GetProperty("seq").GetInt64());
        results[0].GetProperty("channel_id").GetString().Should().Be("general");
        results[0].GetProperty("sender_id").GetString().Should().Be(alice.Id);

        var highlight = results[0].GetProperty("highlight");
        var text = highlight.GetProperty("text").GetString()!;
        var ranges = highlight.GetProperty("ranges").EnumerateArray().Select(r => (r[0].GetInt32(), r[1].GetInt32())).ToList();
        ranges.Should().ContainSingle();
        text[ranges[0].Item1..ranges[0].Item2].Should().Be(w);
        page.GetProperty("next_cursor").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [SkippableFact]
    public async Task The_cursor_pages_through_every_result_once()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var w = Word();
        for (var i = 0; i < 7; i++)
        {
            await client.SendAsync("general", $"{w} number {i}");
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await SearchAsync(client, $"q={w}&limit=3" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            seen.AddRange(page.GetProperty("results").EnumerateArray().Select(MessagingApi.Text));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        seen.Should().Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"{w} number {i}"));
        pages.Should().Be(3);
    }

    [SkippableFact]
    public async Task Edits_are_found_as_edited_and_deleted_messages_disappear()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        var (before, after) = (Word(), Word());
        var sent = await client.SendAsync("general", $"draft {before}");
        var id = sent.GetProperty("message_id").GetString()!;
        (await FoundTextsAsync(client, before)).Should().ContainSingle();

        (await client.PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64($"final {after}"), type = 1 })).EnsureSuccessStatusCode();
        (await FoundTextsAsync(client, before)).Should().BeEmpty("the old words left the index with the edit");
        (await FoundTextsAsync(client, after)).Should().Equal($"final {after}");

        // An edit into a non-text type takes it out of the index; back to text puts it in again.
        (await client.PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64($"blob {after}"), type = 3 })).EnsureSuccessStatusCode();
        (await FoundTextsAsync(client, after)).Should().BeEmpty();
        (await client.PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64($"again {after}"), type = 2 })).EnsureSuccessStatusCode();
        (await FoundTextsAsync(client, after)).Should().Equal($"again {after}");

        (await client.DeleteAsync($"/messages/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await FoundTextsAsync(client, after)).Should().BeEmpty();
        await IndexIsConsistentAsync();
    }

    [SkippableFact]
    public async Task Only_channels_the_caller_can_read_now_are_searched()
    {
        Fixture.Require();
        var (alice, bob, carol) = (await _host.CreateUserAsync(), await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        var w = Word();
        await _host.Messaging(alice).SendAsync(channel.Id, $"secret plan {w}");
        await _host.Messaging(alice).SendAsync(bob.Id, $"direct note {w}");
        await _host.Messaging(carol).SendAsync("general", $"public words {w}");

        (await FoundTextsAsync(_host.Messaging(bob), w)).Should().BeEquivalentTo($"secret plan {w}", $"direct note {w}", $"public words {w}");
        (await FoundTextsAsync(_host.Messaging(carol), w)).Should().Equal($"public words {w}");
        (await _host.Messaging(carol).GetAsync($"/search?q={w}&channel_id={channel.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await _host.Messaging(carol).GetAsync($"/search?q={w}&channel_id=dm:{alice.Id}:{bob.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "as for history: someone else's DM");

        await _host.RemoveMemberAsync(channel.Id, bob.Id);
        (await FoundTextsAsync(_host.Messaging(bob), w)).Should().BeEquivalentTo($"direct note {w}", $"public words {w}");
        (await _host.Messaging(bob).GetAsync($"/search?q={w}&channel_id={channel.Id}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [SkippableFact]
    public async Task Channel_sender_and_time_filters_narrow_the_search()
    {
        Fixture.Require();
        var (alice, bob) = (await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync();
        var w = Word();
        var first = await _host.Messaging(alice).SendAsync(channel.Id, $"one {w}");
        await Task.Delay(20);
        var second = await _host.Messaging(bob).SendAsync("general", $"two {w}");
        var client = _host.Messaging(alice);

        (await FoundTextsAsync(client, w, $"&channel_id={channel.Id}")).Should().Equal($"one {w}");
        (await FoundTextsAsync(client, w, $"&from={bob.Id}")).Should().Equal($"two {w}");
        var t1 = first.GetProperty("timestamp").GetInt64();
        var t2 = second.GetProperty("timestamp").GetInt64();
        (await FoundTextsAsync(client, w, $"&after={t1}")).Should().Equal($"two {w}");
        (await FoundTextsAsync(client, w, $"&before={t2}")).Should().Equal($"one {w}");
        (await FoundTextsAsync(client, w, $"&after={t1 - 1}&before={t2 + 1}")).Should().HaveCount(2);
        (await FoundTextsAsync(client, w, $"&channel_id={bob.Id}")).Should().BeEmpty("a DM with bob that was never used has nothing in it");
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"unclosed quote")]
    [InlineData("*")]
    [InlineData("a *")]
    [InlineData("**")]
    [InlineData("NEAR(a b)")]
    [InlineData("a NEAR b")]
    [InlineData("cats OR dogs")]
    [InlineData("NOT cats")]
    [InlineData("cats AND")]
    [InlineData("(cats)")]
    [InlineData("^cats")]
    [InlineData("{Body}: cats")]
    [InlineData("ca*ts")]
    [InlineData("c*")]
    [InlineData("\"a\"b")]
    [InlineData("!!! ...")]
    public async Task A_query_that_is_not_words_phrases_or_prefixes_is_a_400(string q)
    {
        Fixture.Require();
        var client = _host.Messaging(await _host.CreateUserAsync());
        await ExpectBadRequestAsync(client, $"/search?q={Uri.EscapeDataString(q)}");
    }

    [SkippableFact]
    public async Task Oversized_and_malformed_parameters_are_400s()
    {
        Fixture.Require();
        var client = _host.Messaging(await _host.CreateUserAsync());
        await ExpectBadRequestAsync(client, "/search?q=" + new string('a', 10_000));
        await ExpectBadRequestAsync(client, "/search?q=" + new string('a', 257));
        await ExpectBadRequestAsync(client, "/search?q=%FF%FEcat");
        await ExpectBadRequestAsync(client, "/search?q=cat%00dog");
        await ExpectBadRequestAsync(client, "/search");
        await ExpectBadRequestAsync(client, "/search?q=cat&limit=0");
        await ExpectBadRequestAsync(client, "/search?q=cat&limit=101");
        await ExpectBadRequestAsync(client, "/search?q=cat&limit=ten");
        await ExpectBadRequestAsync(client, "/search?q=cat&after=-5");
        await ExpectBadRequestAsync(client, "/search?q=cat&before=yesterday");
        await ExpectBadRequestAsync(client, "/search?q=cat&cursor=not-a-cursor");
        await ExpectBadRequestAsync(client, "/search?q=cat&cursor=" + new string('A', 500));
        await ExpectBadRequestAsync(client, "/search?q=cat&channel_id=" + new string('c', 200));
        (await client.GetAsync("/search?q=cat&channel_id=no-such-channel")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await _host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging).GetAsync("/search?q=cat")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task Random_queries_are_answered_with_200_or_a_clear_400_never_a_500()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var client = _host.Messaging(alice);
        await client.SendAsync("general", "some words for the random queries: alpha beta gamma \"quoted\" c++ 12:30");
        var seed = Environment.TickCount;
        var random = new Random(seed);
        const string alphabet = "abcXYZ019 \"\"**()::^{}-+.,;'!?@#$%&|\\/<>[]~`=_\téüß中文😀ANDORNOTNEAR";
        for (var i = 0; i < 300; i++)
        {
            var length = random.Next(0, 40);
            var q = new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            if (random.Next(4) == 0)
            {
                q = new[] { "AND", "OR", "NOT", "NEAR(", "NEAR", "\"", "*" }[random.Next(7)] + " " + q;
            }

            var response = await client.GetAsync("/search?q=" + Uri.EscapeDataString(q) + "&limit=" + random.Next(-2, 120));
            var why = $"seed {seed}, query [{q}]";
            ((int)response.StatusCode).Should().BeOneOf([200, 400], why);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", why);
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace(why);
            }
        }

        // Random bytes, most of them not UTF-8 at all.
        for (var i = 0; i < 100; i++)
        {
            var bytes = new byte[random.Next(1, 30)];
            random.NextBytes(bytes);
            var response = await client.GetAsync("/search?q=" + string.Concat(bytes.Select(b => $"%{b:X2}")));
            ((int)response.StatusCode).Should().BeOneOf([200, 400], $"seed {seed}, bytes {Convert.ToHexString(bytes)}");
        }
    }

    [SkippableFact]
    public async Task Deleting_a_channel_takes_its_messages_out_of_the_index()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        var w = Word();
        await _host.Messaging(alice).SendAsync(channel.Id, $"doomed {w}");
        await _host.BusAsync(async s => { await s.Send(new DeleteChannel(channel.Id, "test-admin")); return 0; });
        (await FoundTextsAsync(_host.Messaging(alice), w)).Should().BeEmpty();
        await IndexIsConsistentAsync();
    }

    private static async Task ExpectBadRequestAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var why = url.Length > 120 ? url[..120] : url;
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, why);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", why);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace(why);
    }

    /// <summary>The index holds exactly what the messages say: FTS5's own check on SQLite; on PostgreSQL, a search vector on every text message that is not deleted and on nothing else.</summary>
    private async Task IndexIsConsistentAsync()
    {
        if (Fixture.Kind == StoreKind.Sqlite)
        {
            Fts5IndexIsConsistent(_host);
            return;
        }

        await using var db = await StoreSql.OpenAsync(Fixture);
        Convert.ToInt64(await StoreSql.ScalarAsync(db,
                "SELECT count(*) FROM messaging_messages WHERE (\"SearchVector\" IS NOT NULL) <> (\"Type\" IN (1, 2) AND \"DeletedAt\" IS NULL)"))
            .Should().Be(0);
    }

    internal static void Fts5IndexIsConsistent(TestHost host) =>
        Exec(host.DataDirectory, "INSERT INTO messaging_search (messaging_search, rank) VALUES ('integrity-check', 1);");

    internal static void Exec(string dataDirectory, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, DatabaseFileName(dataDirectory))}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static string DatabaseFileName(string dataDirectory) =>
        Path.GetFileName(new Modules.Contracts.Hosting.StorePaths(dataDirectory).DatabaseFile);
}

/// <summary>On SQLite, and what only SQLite has: the FTS5 index of an upgraded database and its triggers.</summary>
public sealed class SearchTestsOnSqlite(SqliteHostFixture fixture) : SearchTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>
{
    [Fact]
    public async Task Messages_stored_before_the_upgrade_are_found_after_it_and_a_lost_trigger_is_put_back()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        try
        {
            var w = Word();
            string token;
            await using (var host = await TestHost.StartAsync(dataDirectory: dataDirectory))
            {
                var alice = await host.CreateUserAsync();
                await host.Messaging(alice).SendAsync("general", $"old message {w}");
                await host.Messaging(alice).SendAsync("general", $"older file {w}", type: 3);
                token = alice.Token;
            }

            // Back to the schema before this migration: no index, no mentions, the migration not applied.
            SearchTestsBehaviour.Exec(dataDirectory, """
                DROP TRIGGER IF EXISTS messaging_search_after_insert; DROP TRIGGER messaging_search_after_delete; DROP TRIGGER messaging_search_after_update;
                DROP TABLE messaging_search; DROP VIEW messaging_search_source; DROP TABLE messaging_mentions;
                DELETE FROM __migrations_messaging WHERE MigrationId >= '20261206040000';
                """);
            await using (var host = await TestHost.StartAsync(dataDirectory: dataDirectory))
            {
                (await FoundTextsAsync(host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging, token), w)).Should().Equal($"old message {w}");
            }

            // A later migration that rebuilds the messages table drops its triggers: start-up makes them again.
            SearchTestsBehaviour.Exec(dataDirectory, "DROP TRIGGER messaging_search_after_update;");
            await using (var host = await TestHost.StartAsync(dataDirectory: dataDirectory))
            {
                var client = host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging, token);
                var sent = await client.SendAsync("general", $"new message {w}");
                (await FoundTextsAsync(client, w)).Should().Equal($"new message {w}", $"old message {w}");
                var id = sent.GetProperty("message_id").GetString()!;
                (await client.PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64($"edited message {w}"), type = 1 })).EnsureSuccessStatusCode();
                (await FoundTextsAsync(client, w)).Should().Equal($"edited message {w}", $"old message {w}");
                (await FoundTextsAsync(client, $"new {w}")).Should().BeEmpty("the edit was followed by the trigger made again");
                SearchTestsBehaviour.Fts5IndexIsConsistent(host);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task An_index_made_before_the_prefix_index_is_rebuilt_on_upgrade_and_prefix_search_finds_the_old_messages()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        try
        {
            var w = Word();
            string aliceToken, carolToken;
            string privateChannel;
            await using (var host = await TestHost.StartAsync(dataDirectory: dataDirectory))
            {
                var (alice, carol) = (await host.CreateUserAsync(), await host.CreateUserAsync());
                var channel = await host.CreateChannelAsync(ChannelTypes.Private);
                await host.AddMemberAsync(channel.Id, alice.Id);
                await host.Messaging(alice).SendAsync("general", $"{w} kickoff tomorrow");
                await host.Messaging(alice).SendAsync(channel.Id, $"{w} kickback private");
                (aliceToken, carolToken, privateChannel) = (alice.Token, carol.Token, channel.Id);
            }

            // The index as the search migration first made it: no prefix index, no channel column.
            SearchTestsBehaviour.Exec(dataDirectory, $"""
                DROP TRIGGER IF EXISTS messaging_search_after_insert; DROP TRIGGER messaging_search_after_delete; DROP TRIGGER messaging_search_after_update;
                DROP TABLE messaging_search; DROP VIEW messaging_search_source;
                {IndexAsFirstMade}
                INSERT INTO messaging_search (messaging_search) VALUES ('rebuild');
                DELETE FROM __migrations_messaging WHERE MigrationId >= '20261207150000';
                """);
            IndexDefinition(dataDirectory).Should().NotContain("prefix");
            IndexSetting(dataDirectory, "automerge").Should().BeNull("FTS5's default, 4");

            await using (var host = await TestHost.StartAsync(dataDirectory: dataDirectory))
            {
                IndexDefinition(dataDirectory).Should().Contain("prefix='2 3'");
                IndexSetting(dataDirectory, "automerge").Should().Be(16L, "the upgraded index merges like a new one");
                IndexDefinition(dataDirectory, "messaging_search_after_insert").Should().BeNull("the writer indexes its own inserts");
                var alice = host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging, aliceToken);
                var carol = host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging, carolToken);
                // Two and three letters are read from the prefix index, longer prefixes from the words.
                (await FoundTextsAsync(alice, "ki*")).Should().Equal($"{w} kickback private", $"{w} kickoff tomorrow");
                (await FoundTextsAsync(alice, "kic*")).Should().Equal($"{w} kickback private", $"{w} kickoff tomorrow");
                (await FoundTextsAsync(alice, "kicko*")).Should().Equal($"{w} kickoff tomorrow");
                (await FoundTextsAsync(alice, $"\"{w} kickb\"*")).Should().Equal($"{w} kickback private");
                (await FoundTextsAsync(alice, "kic*", $"&channel_id={privateChannel}")).Should().Equal($"{w} kickback private");
                // Carol reads general only, so her search is narrowed to it in the index: the rebuilt channel column.
                (await FoundTextsAsync(carol, "kic*")).Should().Equal($"{w} kickoff tomorrow");

                await alice.SendAsync("general", $"{w} kicker after the upgrade");
                (await FoundTextsAsync(carol, "ki*")).Should().Equal($"{w} kicker after the upgrade", $"{w} kickoff tomorrow");
                SearchTestsBehaviour.Fts5IndexIsConsistent(host);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>The index as the first search migration made it (kept here as it was, like the migration keeps it).</summary>
    private const string IndexAsFirstMade = """
        CREATE VIEW messaging_search_source AS
            SELECT rowid AS MessageRow, CAST(Content AS TEXT) AS Body FROM messaging_messages WHERE Type IN (1, 2) AND DeletedAt IS NULL;
        CREATE VIRTUAL TABLE messaging_search USING fts5(
            Body, content='messaging_search_source', content_rowid='MessageRow', tokenize='unicode61 remove_diacritics 2', columnsize=0);
        CREATE TRIGGER messaging_search_after_insert AFTER INSERT ON messaging_messages WHEN new.Type IN (1, 2) AND new.DeletedAt IS NULL
        BEGIN
            INSERT INTO messaging_search (rowid, Body) VALUES (new.rowid, CAST(new.Content AS TEXT));
        END;
        CREATE TRIGGER messaging_search_after_delete AFTER DELETE ON messaging_messages WHEN old.Type IN (1, 2) AND old.DeletedAt IS NULL
        BEGIN
            INSERT INTO messaging_search (messaging_search, rowid, Body) VALUES ('delete', old.rowid, CAST(old.Content AS TEXT));
        END;
        CREATE TRIGGER messaging_search_after_update AFTER UPDATE OF Type, Content, DeletedAt ON messaging_messages
        BEGIN
            INSERT INTO messaging_search (messaging_search, rowid, Body)
                SELECT 'delete', old.rowid, CAST(old.Content AS TEXT) WHERE old.Type IN (1, 2) AND old.DeletedAt IS NULL;
            INSERT INTO messaging_search (rowid, Body)
                SELECT new.rowid, CAST(new.Content AS TEXT) WHERE new.Type IN (1, 2) AND new.DeletedAt IS NULL;
        END;
        """;

    [Fact]
    public async Task A_new_index_merges_sixteen_segments_at_a_time_and_stays_true_through_many_batches()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        try
        {
            await using var host = await TestHost.StartAsync(dataDirectory: dataDirectory);
            IndexSetting(dataDirectory, "automerge").Should().Be(16L);
            IndexSetting(dataDirectory, "crisismerge").Should().Be(64L);

            // Enough separate commits for several levels of merging: every message is still found, once.
            var alice = await host.CreateUserAsync();
            var client = host.Messaging(alice);
            var w = Word();
            for (var i = 0; i < 120; i++)
            {
                await client.SendAsync("general", $"{w} batch{i % 3} number {i}");
            }

            (await FoundTextsAsync(client, $"{w} batch1", "&limit=100")).Should().HaveCount(40).And.OnlyHaveUniqueItems();
            SearchTestsBehaviour.Fts5IndexIsConsistent(host);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>A setting of the index's own config table (FTS5 keeps only those changed from its defaults).</summary>
    private static object? IndexSetting(string dataDirectory, string key)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, SearchTestsBehaviour.DatabaseFileName(dataDirectory))};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT v FROM messaging_search_config WHERE k = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar();
    }

    private static string? IndexDefinition(string dataDirectory, string name = "messaging_search")
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, SearchTestsBehaviour.DatabaseFileName(dataDirectory))};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sql FROM sqlite_master WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteScalar() as string;
    }
}

public sealed class SearchTestsOnPostgres(PostgresHostFixture fixture) : SearchTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
