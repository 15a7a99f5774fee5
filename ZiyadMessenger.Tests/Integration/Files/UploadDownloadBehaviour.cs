using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Files;

/// <summary>Uploads and downloads as a client sees them, on each store (the rows on SQLite or PostgreSQL, the bytes on disk).</summary>
public abstract class UploadDownloadBehaviour(FilesStoreFixture fixture)
{
    /// <summary>Skips the test (with the reason) when the fixture's store is not available here.</summary>
    private TestHost Server => fixture.Require();

    [SkippableFact]
    public async Task Upload_answers_201_with_id_key_name_and_size()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var bytes = FilesTestClient.RandomBytes(150_000);

        var response = await client.PostAsync("/upload", FilesTestClient.Form(bytes, "report.pdf", "application/pdf"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var fileId = body.GetProperty("file_id").GetString()!;
        Guid.TryParseExact(fileId, "D", out _).Should().BeTrue();
        body.GetProperty("key").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        body.GetProperty("name").GetString().Should().Be("report.pdf");
        body.GetProperty("size").GetInt64().Should().Be(150_000);
        response.Headers.Location!.ToString().Should().Contain(fileId);
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(131_072)]
    [InlineData(300_001)]
    public async Task Download_with_the_key_returns_exactly_the_uploaded_bytes(int size)
    {
        var user = await Server.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes(size);
        var uploaded = await Server.UploadAsync(user.Token, bytes, "notes.txt", "text/plain");
        uploaded.Size.Should().Be(size);

        using var client = Server.Files(user.Token);
        var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        response.Content.Headers.ContentDisposition!.FileName!.Trim('"').Should().Be("notes.txt");
        response.Content.Headers.ContentLength.Should().Be(size);
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
    }

    [SkippableFact]
    public async Task The_key_may_come_in_the_X_File_Key_header_and_any_user_with_it_can_read_the_file()
    {
        var uploader = await Server.CreateUserAsync();
        var recipient = await Server.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes(70_000);
        var uploaded = await Server.UploadAsync(uploader.Token, bytes, "photo.jpg", "image/jpeg");

        using var client = Server.Files(recipient.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/download?id={uploaded.FileId}");
        request.Headers.Add("X-File-Key", uploaded.Key);
        var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
        response.Content.Headers.ContentType!.MediaType.Should().Be("image/jpeg");
    }

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(65_536)]
    [InlineData(200_000)]
    public async Task A_ciphertext_download_decrypts_with_nothing_but_the_documented_format_and_the_key(int size)
    {
        var user = await Server.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes(size);
        var uploaded = await Server.UploadAsync(user.Token, bytes);

        using var client = Server.Files(user.Token);
        var response = await client.GetAsync($"/download?id={uploaded.FileId}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/octet-stream");
        var ciphertext = await response.Content.ReadAsByteArrayAsync();
        var segments = Math.Max(1, (size + 65_535) / 65_536);
        ciphertext.Length.Should().Be(20 + size + 16 * segments);
        DocumentedFormat.Decrypt(ciphertext, uploaded.Key).Should().Equal(bytes);
    }

    [SkippableFact]
    public async Task The_stored_file_is_ciphertext_named_after_the_id_and_the_same_content_encrypts_differently_each_time()
    {
        var user = await Server.CreateUserAsync();
        var bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("quarterly salaries: confidential. ", 4000)));
        var first = await Server.UploadAsync(user.Token, bytes, "salaries.txt", "text/plain");
        var second = await Server.UploadAsync(user.Token, bytes, "salaries.txt", "text/plain");

        first.FileId.Should().NotBe(second.FileId);
        first.Key.Should().NotBe(second.Key);
        var stored = await File.ReadAllBytesAsync(Server.StoredPath(first.FileId));
        var storedAgain = await File.ReadAllBytesAsync(Server.StoredPath(second.FileId));
        stored.Should().NotEqual(storedAgain);
        Encoding.UTF8.GetString(stored).Should().NotContain("confidential");
        Directory.GetFiles(Path.Combine(Server.DataDirectory, "files"), "*salaries*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task An_empty_file_is_accepted_and_downloads_empty()
    {
        var user = await Server.CreateUserAsync();
        var uploaded = await Server.UploadAsync(user.Token, [], "empty.txt", "text/plain");

        uploaded.Size.Should().Be(0);
        using var client = Server.Files(user.Token);
        var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task A_wrong_key_is_403_and_a_key_of_another_file_too()
    {
        var user = await Server.CreateUserAsync();
        var uploaded = await Server.UploadAsync(user.Token, FilesTestClient.RandomBytes(1000));
        var other = await Server.UploadAsync(user.Token, FilesTestClient.RandomBytes(1000));
        using var client = Server.Files(user.Token);

        var wrong = await client.GetAsync($"/download?id={uploaded.FileId}&key={new string('a', 64)}");
        var swapped = await client.GetAsync($"/download?id={uploaded.FileId}&key={other.Key}");
        var upperCase = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key.ToUpperInvariant()}");

        wrong.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await FilesTestClient.ProblemAsync(wrong);
        swapped.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        upperCase.StatusCode.Should().Be(HttpStatusCode.OK, "hex digits are case-insensitive");
    }

    [SkippableTheory]
    [InlineData("/download?id=not-a-uuid", HttpStatusCode.BadRequest)]
    [InlineData("/download?id=", HttpStatusCode.BadRequest)]
    [InlineData("/download", HttpStatusCode.BadRequest)]
    [InlineData("/download?id=../../ziyad.db", HttpStatusCode.BadRequest)]
    [InlineData("/download?id=0f8fad5b-d9cb-469f-a165-70867728950e", HttpStatusCode.NotFound)]
    [InlineData("/download?id=0f8fad5b-d9cb-469f-a165-70867728950e&key=xyz", HttpStatusCode.BadRequest)]
    public async Task Bad_download_requests_get_clear_problems(string path, HttpStatusCode expected)
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);

        var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(expected);
        await FilesTestClient.ProblemAsync(response);
    }

    [SkippableFact]
    public async Task A_malformed_key_for_a_real_file_is_400_not_a_download()
    {
        var user = await Server.CreateUserAsync();
        var uploaded = await Server.UploadAsync(user.Token, FilesTestClient.RandomBytes(100));
        using var client = Server.Files(user.Token);

        var response = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key[..63]}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await FilesTestClient.ProblemAsync(response)).GetProperty("errors").GetProperty("key").GetArrayLength().Should().Be(1);
    }

    [SkippableFact]
    public async Task Upload_and_download_need_a_user_token()
    {
        var user = await Server.CreateUserAsync();
        var uploaded = await Server.UploadAsync(user.Token, FilesTestClient.RandomBytes(10));
        var anonymous = Server.Client(Modules.Contracts.Hosting.ModuleNames.Files);

        var upload = await anonymous.PostAsync("/upload", FilesTestClient.Form([1, 2, 3]));
        var download = await anonymous.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");
        // A correctly signed token for the same account, but issued for the admin audience.
        var adminAudience = Server.Services.GetRequiredService<ITokenIssuer>()
            .Issue(new TokenRequest(TokenAudience.Admin, user.Id, user.Username, "admin", 0, TimeSpan.FromMinutes(5)));
        using var admin = Server.Files(adminAudience.Token);
        var adminUpload = await admin.PostAsync("/upload", FilesTestClient.Form([1, 2, 3]));

        upload.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        download.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        adminUpload.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "admin tokens are not user tokens");
    }

    [SkippableFact]
    public async Task A_body_that_is_not_multipart_is_415()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);

        var json = await client.PostAsync("/upload", new StringContent("{\"file\":\"abc\"}", Encoding.UTF8, "application/json"));
        var none = await client.PostAsync("/upload", new ByteArrayContent([1, 2, 3]));

        json.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await FilesTestClient.ProblemAsync(json)).GetProperty("error").GetString().Should().Contain("multipart/form-data");
        none.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [SkippableFact]
    public async Task Multipart_without_a_boundary_is_400()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var content = new ByteArrayContent([1, 2, 3]);
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data");

        var response = await client.PostAsync("/upload", content);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await FilesTestClient.ProblemAsync(response);
    }

    [SkippableFact]
    public async Task Multipart_without_a_file_field_is_400_and_stores_nothing()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var before = CountRows();

        var other = await client.PostAsync("/upload", FilesTestClient.Form([1, 2, 3], "a.bin", field: "attachment"));
        var empty = new MultipartFormDataContent { { new StringContent("hello"), "comment" } };
        var onlyText = await client.PostAsync("/upload", empty);

        other.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await FilesTestClient.ProblemAsync(other)).GetProperty("errors").GetProperty("file").GetArrayLength().Should().Be(1);
        onlyText.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        CountRows().Should().Be(before);
    }

    [SkippableFact]
    public async Task Other_fields_before_the_file_are_skipped()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var bytes = FilesTestClient.RandomBytes(5000);
        var form = new MultipartFormDataContent
        {
            { new StringContent("a caption"), "caption" },
        };
        form.Add(new ByteArrayContent(bytes), "file", "x.bin");

        var response = await client.PostAsync("/upload", form);

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var uploaded = JsonSerializer.Deserialize<UploadedFile>(await response.Content.ReadAsStringAsync(), TestHost.Json)!;
        var download = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");
        (await download.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
    }

    [SkippableFact]
    public async Task A_multipart_body_cut_off_before_its_end_is_400_and_leaves_no_file()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var before = CountRows();

        var response = await client.PostAsync("/upload", FilesTestClient.RawForm(
            "Content-Disposition: form-data; name=\"file\"; filename=\"cut.bin\"", FilesTestClient.RandomBytes(100_000), close: false));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await FilesTestClient.ProblemAsync(response);
        CountRows().Should().Be(before);
        Server.TempFiles().Should().BeEmpty();
    }

    [SkippableTheory]
    [InlineData("filename=\"../../etc/passwd\"", "passwd")]
    [InlineData("filename=\"C:\\\\Users\\\\amir\\\\report.pdf\"", "report.pdf")]
    [InlineData("filename*=UTF-8''bad%01na%0Ame%0D%1B.txt", "badname.txt")]
    [InlineData("filename*=UTF-8''invoice%E2%80%AEfdp.exe", "invoicefdp.exe")]
    [InlineData("filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.pdf", "تقرير.pdf")]
    [InlineData("filename=\"..\"", "file")]
    [InlineData("filename=\"  .hidden.  \"", "hidden")]
    [InlineData("filename=\"\"", "file")]
    public async Task File_names_are_stored_sanitized(string dispositionName, string expected)
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var bytes = FilesTestClient.RandomBytes(10);

        var response = await client.PostAsync("/upload", FilesTestClient.RawForm(
            $"Content-Disposition: form-data; name=\"file\"; {dispositionName}\r\nContent-Type: application/octet-stream", bytes));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var uploaded = JsonSerializer.Deserialize<UploadedFile>(await response.Content.ReadAsStringAsync(), TestHost.Json)!;
        uploaded.Name.Should().Be(expected);
        var download = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");
        var disposition = download.Content.Headers.ContentDisposition!;
        (disposition.FileNameStar ?? disposition.FileName!.Trim('"')).Should().Be(expected);
        File.Exists(Server.StoredPath(uploaded.FileId)).Should().BeTrue();
    }

    [SkippableFact]
    public async Task A_name_of_thousands_of_characters_is_shortened_keeping_its_extension()
    {
        var user = await Server.CreateUserAsync();
        var longName = new string('x', 5000) + ".docx";

        var uploaded = await Server.UploadAsync(user.Token, [1, 2, 3], longName, null);

        uploaded.Name.Length.Should().BeLessThanOrEqualTo(200);
        uploaded.Name.Should().EndWith(".docx").And.StartWith("xxxx");
        uploaded.Mime.Should().Be("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "the type is guessed from the name when none is given");
    }

    [SkippableFact]
    public async Task A_file_exactly_at_the_limit_is_accepted()
    {
        var user = await Server.CreateUserAsync();
        var bytes = FilesTestClient.RandomBytes((int)FilesFixture.MaxUploadBytes);

        var uploaded = await Server.UploadAsync(user.Token, bytes);

        uploaded.Size.Should().Be(FilesFixture.MaxUploadBytes);
    }

    [SkippableFact]
    public async Task A_file_over_the_limit_is_413_and_leaves_nothing_behind()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var before = CountRows();

        var response = await client.PostAsync("/upload", FilesTestClient.Form(FilesTestClient.RandomBytes((int)FilesFixture.MaxUploadBytes + 1)));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        await FilesTestClient.ProblemAsync(response);
        CountRows().Should().Be(before);
        Server.TempFiles().Should().BeEmpty();
    }

    [SkippableFact]
    public async Task A_chunked_upload_over_the_limit_is_cut_off_without_reading_the_rest()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Files(user.Token);
        var before = CountRows();
        const long offered = 256L * 1024 * 1024;
        var body = new EndlessMultipart(offered);
        var content = new StreamContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={EndlessMultipart.Boundary}");

        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
            request.Headers.TransferEncodingChunked = true;
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending: also a refusal.
        }

        if (response is not null)
        {
            response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        }

        body.Produced.Should().BeLessThan(offered / 4, "the server stops reading once the limit is crossed");
        CountRows().Should().Be(before);
        Server.TempFiles().Should().BeEmpty();
    }

    [SkippableFact]
    public async Task A_declared_length_over_the_limit_is_refused_before_the_body_is_sent()
    {
        var user = await Server.CreateUserAsync();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", Server.Ports[Modules.Contracts.Hosting.ModuleNames.Files]);
        var stream = tcp.GetStream();
        var head = "POST /upload HTTP/1.1\r\nHost: localhost\r\n" +
                   $"Authorization: Bearer {user.Token}\r\n" +
                   "Content-Type: multipart/form-data; boundary=abc\r\n" +
                   "Content-Length: 10000000000\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, timeout.Token);

        Encoding.ASCII.GetString(buffer, 0, read).Should().StartWith("HTTP/1.1 413");
    }

    [SkippableFact]
    public async Task An_upload_the_client_abandons_halfway_leaves_no_file_and_no_record()
    {
        var user = await Server.CreateUserAsync();
        var before = CountRows();
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", Server.Ports[Modules.Contracts.Hosting.ModuleNames.Files]);
            var stream = tcp.GetStream();
            var partHead = "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.bin\"\r\n\r\n";
            var head = "POST /upload HTTP/1.1\r\nHost: localhost\r\n" +
                       $"Authorization: Bearer {user.Token}\r\n" +
                       "Content-Type: multipart/form-data; boundary=abc\r\n" +
                       "Content-Length: 900000\r\n\r\n" + partHead;
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(FilesTestClient.RandomBytes(300_000));
            await stream.FlushAsync();
            await Task.Delay(300);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Server.TempFiles().Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Server.TempFiles().Should().BeEmpty();
        CountRows().Should().Be(before);
    }

    private long CountRows()
    {
        if (fixture.Database is { } database)
        {
            return database.ScalarAsync<long>("SELECT COUNT(*) FROM files_files").GetAwaiter().GetResult();
        }

        using var connection = new SqliteConnection($"Data Source={Path.Combine(Server.DataDirectory, "ziyad.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM files_files";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A multipart body that keeps producing file bytes up to a bound, counting what was taken.</summary>
    private sealed class EndlessMultipart(long limit) : Stream
    {
        public const string Boundary = "endless";
        private readonly byte[] _head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n");
        private long _produced;

        public long Produced => Interlocked.Read(ref _produced);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var produced = Produced;
            if (produced >= limit)
            {
                return 0;
            }

            if (produced < _head.Length)
            {
                var n = Math.Min(count, _head.Length - (int)produced);
                Array.Copy(_head, produced, buffer, offset, n);
                Interlocked.Add(ref _produced, n);
                return n;
            }

            var take = (int)Math.Min(count, limit - produced);
            buffer.AsSpan(offset, take).Fill(0x5A);
            Interlocked.Add(ref _produced, take);
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

public sealed class UploadDownloadOnSqlite(FilesSqliteFixture fixture) : UploadDownloadBehaviour(fixture), IClassFixture<FilesSqliteFixture>;

public sealed class UploadDownloadOnPostgres(FilesPostgresFixture fixture) : UploadDownloadBehaviour(fixture), IClassFixture<FilesPostgresFixture>;
