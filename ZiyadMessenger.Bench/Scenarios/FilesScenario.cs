using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ZiyadMessenger.Bench.Infrastructure;

namespace ZiyadMessenger.Bench.Scenarios;

/// <summary>
/// files: one large file up (multipart, streamed from memory-light generated data, with a known length)
/// and down again with its key, hashed both ways; MB/s each way (MB = 10^6 bytes) and the server's RSS
/// growth over its level before the transfer.
/// </summary>
internal static class FilesScenario
{
    private const int Block = 1 << 20;

    public static async Task RunAsync(BenchReport report, BenchOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var sizeMb = options.Double("size-mb", 1024);
        var verify = options.String("verify", "yes") != "no";
        var size = (long)(sizeMb * 1024 * 1024);
        var tag = RandomNumberGenerator.GetInt32(int.MaxValue);
        report.Parameters["size_bytes"] = size;
        report.Parameters["verify_sha256"] = verify;

        await using var server = await ServerUnderTest.FromOptionsAsync(options);
        using var api = new ZiyadApi(server);
        var user = (await api.CreateUsersAsync(1, $"{tag:x8}", 1, cancellationToken))[0];
        await Task.Delay(500, cancellationToken);

        log.WriteLine($"   uploading {size / 1048576.0:0.#} MiB ...");
        var content = new GeneratedContent(size, tag, verify);
        using var form = new MultipartFormDataContent();
        var part = content;
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", "bench.bin");
        using var upload = api.Request(HttpMethod.Post, "Files", "/upload", user.Token);
        upload.Content = form;
        var window = new ResourceWindow(server.Pid);
        var clock = Stopwatch.StartNew();
        using var uploaded = await api.Http.SendAsync(upload, cancellationToken);
        var answered = Stopwatch.GetTimestamp();
        var upSeconds = clock.Elapsed.TotalSeconds;
        var tailMs = content.LastByteSent == 0 ? (double?)null : Math.Round((answered - content.LastByteSent) * 1000.0 / Stopwatch.Frequency, 1);
        var upUsage = await window.StopAsync();
        await ZiyadApi.EnsureAsync(uploaded, "upload");
        var answer = await uploaded.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var fileId = answer.GetProperty("file_id").GetString()!;
        var key = answer.GetProperty("key").GetString()!;
        long errors = uploaded.StatusCode == HttpStatusCode.Created ? 0 : 1;
        if (answer.TryGetProperty("size", out var reportedSize) && reportedSize.GetInt64() != size)
        {
            log.WriteLine($"   the server says the file holds {reportedSize.GetInt64()} bytes, not {size}");
            errors++;
        }

        await Task.Delay(500, cancellationToken);
        log.WriteLine("   downloading with the key ...");
        using var download = api.Request(HttpMethod.Get, "Files", $"/download?id={Uri.EscapeDataString(fileId)}", user.Token);
        // The key in a header keeps it out of URLs (and any log of them); the query form is equivalent.
        download.Headers.Add("X-File-Key", key);
        window = new ResourceWindow(server.Pid);
        clock.Restart();
        using var downloaded = await api.Http.SendAsync(download, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ZiyadApi.EnsureAsync(downloaded, "download");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Block];
        long received = 0;
        await using (var stream = await downloaded.Content.ReadAsStreamAsync(cancellationToken))
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                received += n;
                if (verify)
                {
                    hash.AppendData(buffer, 0, n);
                }
            }
        }

        var downSeconds = clock.Elapsed.TotalSeconds;
        var downUsage = await window.StopAsync();
        var same = !verify || hash.GetHashAndReset().AsSpan().SequenceEqual(content.Sha256!);
        if (received != size || !same)
        {
            log.WriteLine($"   the download differs: {received} bytes, hash {(same ? "equal" : "different")}");
            errors++;
        }

        var up = Math.Round(size / upSeconds / 1e6, 1);
        var down = Math.Round(received / downSeconds / 1e6, 1);
        var upSection = report.Section("upload");
        upSection["mb_per_s"] = up;
        upSection["seconds"] = Math.Round(upSeconds, 2);
        // The body streamed at mb_per_s_streaming; then the server needed answer_after_last_byte_ms to finish.
        upSection["answer_after_last_byte_ms"] = tailMs;
        if (tailMs is { } tail && upSeconds * 1000 > tail)
        {
            upSection["mb_per_s_streaming"] = Math.Round(size / (upSeconds - tail / 1000) / 1e6, 1);
        }

        Copy(upUsage, upSection);
        var downSection = report.Section("download (with key)");
        downSection["mb_per_s"] = down;
        downSection["seconds"] = Math.Round(downSeconds, 2);
        downSection["bytes"] = received;
        downSection["identical"] = same;
        Copy(downUsage, downSection);
        report.Errors += errors;
        report.Target("upload", ">= 200 MB/s", up, v => v >= 200);
        report.Target("download with key", ">= 200 MB/s", down, v => v >= 200);
        if (server.Pid is not null)
        {
            var growth = Math.Max((double)upUsage["server_rss_growth_mb"]!, (double)downUsage["server_rss_growth_mb"]!);
            report.Target("server RSS growth during a transfer", "<= 64 MB", growth, v => v <= 64);
        }
    }

    private static void Copy(Dictionary<string, object?> from, Dictionary<string, object?> to)
    {
        foreach (var (key, value) in from)
        {
            to[key] = value;
        }
    }

    /// <summary>Deterministic, incompressible-looking bytes of a known length, made one block at a time.</summary>
    private sealed class GeneratedContent : HttpContent
    {
        private readonly long _size;
        private readonly int _seed;
        private readonly bool _hash;

        public GeneratedContent(long size, int seed, bool hash)
        {
            _size = size;
            _seed = seed;
            _hash = hash;
        }

        public byte[]? Sha256 { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var block = new byte[Block];
            new Random(_seed).NextBytes(block);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            for (long i = 0; written < _size; i++)
            {
                BitConverter.TryWriteBytes(block.AsSpan(0, 8), i); // every block differs
                var n = (int)Math.Min(Block, _size - written);
                if (_hash)
                {
                    hash.AppendData(block, 0, n);
                }

                await stream.WriteAsync(block.AsMemory(0, n), cancellationToken);
                written += n;
            }

            Sha256 = _hash ? hash.GetHashAndReset() : null;
            LastByteSent = Stopwatch.GetTimestamp();
        }

        /// <summary>When the last byte went to the socket: what follows until the answer is the server finishing (flush to disk, commit).</summary>
        public long LastByteSent { get; private set; }

        protected override bool TryComputeLength(out long length)
        {
            length = _size;
            return true;
        }
    }
}
