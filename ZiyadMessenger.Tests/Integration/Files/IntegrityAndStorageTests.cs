using System.Net;
using System.Text;
using Mediator;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Files;

public sealed class IntegrityAndStorageTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const int Segment = 65_536;
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task A_stored_file_altered_in_a_later_segment_breaks_the_download_and_never_yields_altered_bytes()
    {
        var user = await _host.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes(3 * Segment + 500);
        var uploaded = await _host.UploadAsync(user.Token, bytes);
        // Flip one bit inside the third segment's ciphertext.
        await FlipByteAsync(_host.StoredPath(uploaded.FileId), 20 + 2 * (Segment + 16) + 1000);

        using var client = _host.Files(user.Token);
        using var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK, "the first segment authenticated, so the download began");
        var received = new MemoryStream();
        var act = async () => await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received);

        await act.Should().ThrowAsync<Exception>("the server cuts the connection instead of completing the body");
        received.Length.Should().BeLessThan(bytes.Length);
        received.ToArray().Should().Equal(bytes.Take((int)received.Length), "only authenticated, unaltered bytes are ever sent");
    }

    [Fact]
    public async Task A_stored_file_altered_in_its_first_segment_is_refused_with_an_error_and_no_plaintext()
    {
        var user = await _host.CreateUserAsync();
        var uploaded = await _host.UploadAsync(user.Token, FilesTestClient.RandomBytes(100_000));
        await FlipByteAsync(_host.StoredPath(uploaded.FileId), 30);

        using var client = _host.Files(user.Token);
        var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await FilesTestClient.ProblemAsync(response)).GetProperty("error").GetString().Should().Contain("integrity");
    }

    [Fact]
    public async Task A_stored_file_cut_at_a_segment_boundary_is_detected()
    {
        var user = await _host.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes(2 * Segment + 10);
        var uploaded = await _host.UploadAsync(user.Token, bytes);
        var path = _host.StoredPath(uploaded.FileId);
        // Drop the last segment: what remains is made of intact segments, but none is marked last.
        await using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(20 + 2 * (Segment + 16));
        }

        using var client = _host.Files(user.Token);
        using var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}", HttpCompletionOption.ResponseHeadersRead);
        var received = new MemoryStream();
        var act = async () => await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received);

        await act.Should().ThrowAsync<Exception>();
        received.ToArray().Should().Equal(bytes.Take((int)received.Length));

        var ciphertext = await File.ReadAllBytesAsync(path);
        var decode = () => DocumentedFormat.Decrypt(ciphertext, uploaded.Key);
        decode.Should().Throw<System.Security.Cryptography.CryptographicException>("a documented-format client detects the truncation too");
    }

    [Fact]
    public async Task Swapped_segments_are_detected_by_a_documented_format_client()
    {
        var user = await _host.CreateUserAsync();
        var uploaded = await _host.UploadAsync(user.Token, FilesTestClient.RandomBytes(3 * Segment));
        using var client = _host.Files(user.Token);
        var ciphertext = await client.GetByteArrayAsync($"/download?id={uploaded.FileId}");

        var swapped = (byte[])ciphertext.Clone();
        Array.Copy(ciphertext, 20, swapped, 20 + Segment + 16, Segment + 16);
        Array.Copy(ciphertext, 20 + Segment + 16, swapped, 20, Segment + 16);

        var decode = () => DocumentedFormat.Decrypt(swapped, uploaded.Key);
        decode.Should().Throw<System.Security.Cryptography.CryptographicException>();
    }

    [Fact]
    public async Task Neither_the_key_nor_the_file_name_in_the_url_reaches_the_logs_or_the_database()
    {
        var user = await _host.CreateUserAsync();
        var uploaded = await _host.UploadAsync(user.Token, FilesTestClient.RandomBytes(5000));
        using var client = _host.Files(user.Token);
        (await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}")).EnsureSuccessStatusCode();

        var logs = await _host.ReadLogsAsync();
        for (var attempt = 0; attempt < 10 && !logs.Contains(uploaded.FileId, StringComparison.Ordinal); attempt++)
        {
            logs = await _host.ReadLogsAsync(); // the file sink writes in the background
        }

        logs.Should().Contain(uploaded.FileId, "the upload is logged");
        logs.Should().NotContain(uploaded.Key);

        SqliteConnection.ClearAllPools();
        var keyBytes = Convert.FromHexString(uploaded.Key);
        foreach (var file in Directory.GetFiles(_host.DataDirectory, "ziyad.db*"))
        {
            var content = await ReadSharedAsync(file);
            Encoding.Latin1.GetString(content).Should().NotContain(uploaded.Key);
            content.AsSpan().IndexOf(keyBytes).Should().Be(-1);
        }
    }

    [Fact]
    public async Task Stats_count_files_bytes_and_transfers_and_downloads_are_counted_per_file()
    {
        var user = await _host.CreateUserAsync();
        var before = await StatsAsync();

        var a = await _host.UploadAsync(user.Token, FilesTestClient.RandomBytes(1000));
        var b = await _host.UploadAsync(user.Token, FilesTestClient.RandomBytes(2500));
        using var client = _host.Files(user.Token);
        (await client.GetAsync($"/download?id={a.FileId}&key={a.Key}")).EnsureSuccessStatusCode();
        (await client.GetAsync($"/download?id={a.FileId}")).EnsureSuccessStatusCode();
        (await client.GetAsync($"/download?id={b.FileId}&key={new string('0', 64)}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var after = await StatsAsync();
        (after.TotalFiles - before.TotalFiles).Should().Be(2);
        (after.TotalBytes - before.TotalBytes).Should().Be(3500);
        (after.UploadsToday - before.UploadsToday).Should().Be(2);
        (after.DownloadsToday - before.DownloadsToday).Should().Be(2, "a refused download is not a transfer");
        after.TransfersPerMinuteLastHour.Should().HaveCount(60);
        (after.TransfersPerMinuteLastHour.Sum() - before.TransfersPerMinuteLastHour.Sum()).Should().BeInRange(4, 4 + before.TransfersPerMinuteLastHour.Sum(),
            "the four transfers are in the last hour (older buckets may have rolled out meanwhile)");
        after.TransfersPerMinuteLastHour[^1].Should().BeGreaterThan(0, "the current minute is the last entry");
        Query<long>($"SELECT downloads FROM files_files WHERE id = '{a.FileId}'").Should().Be(2);
        Query<long>($"SELECT downloads FROM files_files WHERE id = '{b.FileId}'").Should().Be(0);
        Query<string>($"SELECT sha256 FROM files_files WHERE id = '{a.FileId}'").Should().MatchRegex("^[0-9a-f]{64}$");
    }

    [Fact]
    public async Task Files_survive_a_restart_and_leftovers_of_interrupted_uploads_are_swept()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        UploadedFile kept;
        byte[] bytes = FilesTestClient.RandomBytes(70_000);
        string token;
        await using (var first = await TestHost.StartAsync(dataDirectory: dataDirectory))
        {
            var user = await first.CreateUserAsync();
            token = user.Token;
            kept = await first.UploadAsync(user.Token, bytes, "kept.bin");
        }

        // What a crash can leave: a half-written upload, and a complete file whose row was never committed.
        var tempDirectory = Path.Combine(dataDirectory, "files", "tmp");
        Directory.CreateDirectory(tempDirectory);
        var partial = Path.Combine(tempDirectory, "0123456789abcdef0123456789abcdef.part");
        await File.WriteAllBytesAsync(partial, new byte[1234]);
        var orphanId = Guid.NewGuid().ToString("D");
        var orphan = Path.Combine(dataDirectory, "files", orphanId[..2], orphanId + ".enc");
        Directory.CreateDirectory(Path.GetDirectoryName(orphan)!);
        await File.WriteAllBytesAsync(orphan, new byte[100]);
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddMinutes(-5));

        await using var second = await TestHost.StartAsync(dataDirectory: dataDirectory);
        File.Exists(partial).Should().BeFalse("partial uploads are removed before the listeners open");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists(orphan) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        File.Exists(orphan).Should().BeFalse("a stored file without a record is removed");
        using var client = second.Files(token);
        var download = await client.GetAsync($"/download?id={kept.FileId}&key={kept.Key}");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        (await client.GetAsync($"/download?id={orphanId}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await second.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
    }

    private async Task<FileStats> StatsAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetFileStats());
    }

    private T Query<T>(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_host.DataDirectory, "ziyad.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)command.ExecuteScalar()!;
    }

    private static async Task FlipByteAsync(string path, long offset)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x01));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }
}
