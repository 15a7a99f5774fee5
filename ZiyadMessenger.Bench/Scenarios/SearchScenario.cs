using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// search: a public channel of N text messages (filled through the WebSocket with many senders when it
/// holds fewer; <c>--data-dir</c> keeps a filled store for the next run), then <c>GET /search</c> one
/// request at a time for: a common word (in ~30% of the messages), a rare word (1 in 100,000), two
/// words together, a phrase, prefixes of 3, 2 and 5 letters (the first two from the index's prefix
/// index, the last merged from the words that start so), and the common word on a deep cursor page. Each message is 8-16
/// words drawn from a Zipf-distributed vocabulary of 5,000 made-up words, so the index has the shape of
/// real chat: a few very frequent terms and a long tail.
/// </summary>
internal static class SearchScenario
{
    public const string CommonWord = "rapat";
    public const string RareWord = "zanzibar";
    private const int RareEvery = 100_000;
    private const int CommonPercent = 30;

    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var target = options.Long("messages", 1_000_000);
        var requests = options.Int("requests", 200);
        var limit = options.Int("limit", 20);
        var fillSenders = options.Int("fill-senders", 8);
        var fillWindow = options.Int("fill-window", 64);
        var channel = options.String("channel", "general")!;
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        report.Parameters["messages"] = target;
        report.Parameters["requests_per_query"] = requests;
        report.Parameters["limit"] = limit;
        report.Parameters["channel"] = channel;

        await using var server = await ServerUnderTest.FromOptionsAsync(options);
        using var api = new ZiyadApi(server);
        var users = await api.CreateUsersAsync(Math.Max(1, Math.Min(fillSenders, 8)), $"{tag:x8}", 4, cancellationToken);
        var reader = users[0];

        var lastSeq = await LastSeqAsync(api, reader, channel, cancellationToken);
        if (lastSeq < target)
        {
            var missing = target - lastSeq;
            log.WriteLine($"   the channel holds {lastSeq:#,0} messages; sending {missing:#,0} more text messages with {fillSenders} senders ...");
            var fill = await FillAsync(api, users, channel, lastSeq, missing, fillSenders, fillWindow, tag, log, cancellationToken);
            report.Sections["fill"] = fill;
            report.Errors += (long)fill["errors"]!;
            lastSeq = await LastSeqAsync(api, reader, channel, cancellationToken);
        }

        report.Section("channel")["last_seq"] = lastSeq;
        string? deepCursor = null;
        var queries = new List<(string Name, string Query, int MinResults)>
        {
            ("common word", CommonWord, limit),
            ("rare word", RareWord, 1),
            ("two words", $"{CommonWord} {Vocabulary.Word(3)}", 1),
            ("phrase", $"\"{CommonWord} {Vocabulary.Word(1)}\"", 1),
            ("prefix", $"{Vocabulary.Word(2)[..3]}*", limit),
            ("prefix, 2 letters", $"{Vocabulary.Word(2)[..2]}*", limit),
            ("prefix, 5 letters", $"{Vocabulary.Word(40)[..5]}*", 1),
        };

        var usage = new ResourceWindow(server.Pid);
        var worstP99 = new Dictionary<string, double>();
        long bad = 0;
        foreach (var (name, q, minResults) in queries.Append(("common word, page 50", CommonWord, limit)))
        {
            if (name.StartsWith("common word, page", StringComparison.Ordinal))
            {
                deepCursor = await CursorAtPageAsync(api, reader, CommonWord, limit, 50, cancellationToken);
            }

            var latency = new LatencyRecorder(1);
            for (var i = -3; i < requests; i++)
            {
                var url = $"/search?q={Uri.EscapeDataString(q)}&limit={limit}" + (deepCursor is not null && name.Contains("page") ? $"&cursor={deepCursor}" : "");
                using var request = api.Request(HttpMethod.Get, "Messaging", url, reader.Token);
                var started = Stopwatch.GetTimestamp();
                using var response = await api.Http.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var micros = Protocol.MicrosSince(started);
                if (!response.IsSuccessStatusCode || Results(body) < minResults)
                {
                    bad++;
                    if (bad <= 3)
                    {
                        log.WriteLine($"   unexpected answer for {url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}");
                    }
                }

                if (i >= 0)
                {
                    latency.Record(micros);
                }
            }

            var summary = latency.Summary();
            report.Section("queries")[name] = summary;
            worstP99[name] = (double)summary["p99_ms"]!;
        }

        foreach (var (key, value) in await usage.StopAsync())
        {
            report.Section("server while searching")[key] = value;
        }

        report.Section("queries")["bad_answers"] = bad;
        report.Errors += bad;
        report.Target($"search p99, common word ({lastSeq:#,0} messages)", "<= 50 ms", worstP99["common word"], v => v <= 50);
        report.Target($"search p99, rare word ({lastSeq:#,0} messages)", "<= 50 ms", worstP99["rare word"], v => v <= 50);
    }

    private static int Results(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("results").GetArrayLength();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return -1;
        }
    }

    private static async Task<string?> CursorAtPageAsync(ZiyadApi api, BenchUser user, string q, int limit, int page, CancellationToken cancellationToken)
    {
        string? cursor = null;
        for (var i = 1; i < page; i++)
        {
            using var request = api.Request(HttpMethod.Get, "Messaging", $"/search?q={q}&limit={limit}" + (cursor is null ? "" : $"&cursor={cursor}"), user.Token);
            using var response = await api.Http.SendAsync(request, cancellationToken);
            await ZiyadApi.EnsureAsync(response, "search");
            var doc = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            cursor = doc.GetProperty("next_cursor").GetString();
            if (cursor is null)
            {
                return null;
            }
        }

        return cursor;
    }

    private static async Task<long> LastSeqAsync(ZiyadApi api, BenchUser user, string channel, CancellationToken cancellationToken)
    {
        using var request = api.Request(HttpMethod.Get, "Messaging", $"/history?channel_id={Uri.EscapeDataString(channel)}&limit=1", user.Token);
        using var response = await api.Http.SendAsync(request, cancellationToken);
        await ZiyadApi.EnsureAsync(response, "history");
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return page.GetArrayLength() == 0 ? 0 : page[0].GetProperty("seq").GetInt64();
    }

    /// <summary>The text of message number <paramref name="n"/>: the same for the same n, so a refill continues the same corpus.</summary>
    public static string TextOf(long n)
    {
        var random = new Random((int)(n * 2654435761 % int.MaxValue));
        var words = new List<string>(18);
        var count = random.Next(8, 17);
        for (var i = 0; i < count; i++)
        {
            words.Add(Vocabulary.Zipf(random));
        }

        if (random.Next(100) < CommonPercent)
        {
            words.Insert(random.Next(words.Count), CommonWord);
        }

        if (n % RareEvery == RareEvery / 2)
        {
            words.Insert(random.Next(words.Count), RareWord);
        }

        return string.Join(' ', words);
    }

    private static async Task<Dictionary<string, object?>> FillAsync(
        ZiyadApi api, List<BenchUser> users, string channel, long first, long count, int senders, int window, int tag, TextWriter log, CancellationToken cancellationToken)
    {
        // Only the client_msg_id format matters here: the Protocol recognizes this run's acks by it.
        var protocol = new Protocol(tag, Protocol.HeaderBytes);
        long next = first, acked = 0, rejected = 0, closed = 0;
        var sockets = new List<BenchSocket>();
        for (var i = 0; i < senders; i++)
        {
            sockets.Add(await BenchSocket.ConnectAsync(api.WebSocketUrl(users[i % users.Count]), cancellationToken));
        }

        var end = first + count;
        var usage = new ResourceWindow(null);
        var clock = Stopwatch.StartNew();
        using var progressStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = sockets.Select((socket, i) => Task.Run(async () =>
        {
            using var gate = new SemaphoreSlim(window);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receive = socket.ReceiveAsync(frame =>
            {
                var kind = protocol.Parse(frame, out var ticks);
                if (kind == FrameKind.Ack && ticks != 0)
                {
                    Interlocked.Increment(ref acked);
                    gate.Release();
                }
                else if (kind == FrameKind.Error && ticks != 0)
                {
                    Interlocked.Increment(ref rejected);
                    gate.Release();
                }
            }, 64 * 1024, stop.Token);
            var buffer = new ArrayBufferWriter<byte>(1024);
            long sent = 0;
            try
            {
                long n;
                while ((n = Interlocked.Increment(ref next)) <= end)
                {
                    await gate.WaitAsync(stop.Token);
                    buffer.ResetWrittenCount();
                    var content = Convert.ToBase64String(Encoding.UTF8.GetBytes(TextOf(n)));
                    var json = $"{{\"event\":\"send\",\"data\":{{\"channel_id\":\"{channel}\",\"type\":1,\"client_msg_id\":\"b{tag:x8}-{i}-{++sent}-{Stopwatch.GetTimestamp()}\",\"content\":\"{content}\"}}}}";
                    buffer.Write(Encoding.UTF8.GetBytes(json));
                    await socket.SendAsync(buffer.WrittenMemory, CancellationToken.None);
                }

                for (var k = 0; k < window; k++)
                {
                    if (!await gate.WaitAsync(TimeSpan.FromSeconds(30), stop.Token))
                    {
                        break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or System.Net.WebSockets.WebSocketException)
            {
            }

            await stop.CancelAsync();
            if (await receive)
            {
                Interlocked.Increment(ref closed);
            }
        })).ToList();

        var progress = Task.Run(async () =>
        {
            while (!progressStop.IsCancellationRequested)
            {
                await Task.Delay(10_000, progressStop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                log.WriteLine($"   ... {Interlocked.Read(ref acked):#,0} acked ({Interlocked.Read(ref acked) / clock.Elapsed.TotalSeconds:0}/s)");
            }
        });
        await Task.WhenAll(tasks);
        await progressStop.CancelAsync();
        await progress;
        foreach (var socket in sockets)
        {
            await socket.DisposeAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var fill = await usage.StopAsync();
        return new Dictionary<string, object?>
        {
            ["messages_acked"] = acked,
            ["seconds"] = Math.Round(seconds, 1),
            ["acked_msgs_per_s"] = Math.Round(acked / seconds, 0),
            ["rejected"] = rejected,
            ["sockets_closed_by_server"] = closed,
            ["machine_cpu_busy_pct"] = fill["machine_cpu_busy_pct"],
            ["errors"] = rejected + closed + Math.Max(0, count - acked - rejected),
        };
    }

    /// <summary>5,000 made-up words from syllables; word 0 is the most frequent (Zipf, s = 1).</summary>
    private static class Vocabulary
    {
        private const int Size = 5000;
        private static readonly string[] Syllables = ["ka", "lo", "mi", "ten", "ru", "sa", "bel", "do", "ni", "par", "os", "ve", "gu", "tri", "han", "ze"];
        private static readonly string[] Words = Enumerable.Range(0, Size).Select(Make).ToArray();
        private static readonly double[] Cumulative = Build();

        public static string Word(int rank) => Words[rank];

        public static string Zipf(Random random)
        {
            var x = random.NextDouble() * Cumulative[^1];
            var i = Array.BinarySearch(Cumulative, x);
            return Words[Math.Min(Size - 1, i < 0 ? ~i : i)];
        }

        private static string Make(int i)
        {
            var builder = new StringBuilder();
            var n = i + 17;
            do
            {
                builder.Append(Syllables[n % Syllables.Length]);
                n /= Syllables.Length;
            }
            while (n > 0);
            return builder.ToString();
        }

        private static double[] Build()
        {
            var cumulative = new double[Size];
            var sum = 0.0;
            for (var i = 0; i < Size; i++)
            {
                sum += 1.0 / (i + 1);
                cumulative[i] = sum;
            }

            return cumulative;
        }
    }
}
