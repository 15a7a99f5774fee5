using System.Text.Json;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>History pages while messages are being stored, by more readers at once than the server keeps read connections for.</summary>
public abstract class HistoryReadTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    [SkippableFact]
    public async Task Readers_during_sends_get_whole_gap_free_pages_that_include_every_message_acknowledged_before_they_asked()
    {
        Fixture.Require();
        var sender = await _host.CreateUserAsync();
        var reader = await _host.CreateUserAsync();
        var channel = (await _host.CreateChannelAsync()).Id;
        const int messages = 120;
        long acked = 0;
        var done = false;

        var readers = Enumerable.Range(0, 12).Select(r => Task.Run(async () =>
        {
            using var http = _host.Messaging(reader);
            var pages = 0;
            while (!Volatile.Read(ref done) || pages < 3)
            {
                var ackedBefore = Interlocked.Read(ref acked);
                var newest = await http.HistoryAsync(channel, "&limit=20");
                var seqs = Seqs(newest);
                if (ackedBefore > 0)
                {
                    seqs.Should().NotBeEmpty();
                    seqs[^1].Should().BeGreaterThanOrEqualTo(ackedBefore, "a message acknowledged before the request must be in the newest page");
                }

                seqs.Should().Equal(Consecutive(seqs.FirstOrDefault(), seqs.Count), "a page is ascending and gap-free");
                seqs.Count.Should().Be((int)Math.Min(20, seqs.LastOrDefault()));

                if (seqs.Count > 0)
                {
                    // Scrolling back and catching up from a random point give the neighbouring pages.
                    var top = seqs[^1];
                    var older = Seqs(await http.HistoryAsync(channel, $"&limit=7&before={top}"));
                    older.Should().Equal(Consecutive(Math.Max(1, top - 7), (int)Math.Min(7, top - 1)));
                    var from = r % 2 == 0 ? 0 : top / 2;
                    var later = Seqs(await http.HistoryAsync(channel, $"&limit=9&after={from}"));
                    later.Should().Equal(Consecutive(from + 1, later.Count));
                    later.Count.Should().BeGreaterThanOrEqualTo((int)Math.Min(9, top - from));
                }

                pages++;
            }
        })).ToList();

        using (var http = _host.Messaging(sender))
        {
            for (var i = 0; i < messages; i++)
            {
                var sent = await http.SendAsync(channel, $"m{i}", $"read-{i}");
                var seq = sent.GetProperty("seq").GetInt64();
                Interlocked.Exchange(ref acked, seq);
                var page = await http.HistoryAsync(channel, $"&after={seq - 1}&limit=1");
                page.Should().ContainSingle().Which.GetProperty("id").GetString().Should().Be(sent.GetProperty("message_id").GetString());
            }
        }

        Volatile.Write(ref done, true);
        await Task.WhenAll(readers);

        var all = await _host.Messaging(sender).FullHistoryAsync(channel);
        all.Select(MessagingApi.Text).Should().Equal(Enumerable.Range(0, messages).Select(i => $"m{i}"));
    }

    private static List<long> Seqs(List<JsonElement> page) => page.Select(m => m.GetProperty("seq").GetInt64()).ToList();

    private static IEnumerable<long> Consecutive(long first, int count) => Enumerable.Range(0, count).Select(i => first + i);
}

public sealed class HistoryReadTestsOnSqlite(SqliteHostFixture fixture) : HistoryReadTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class HistoryReadTestsOnPostgres(PostgresHostFixture fixture) : HistoryReadTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
