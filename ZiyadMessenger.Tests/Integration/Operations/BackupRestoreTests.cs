using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>
/// <c>backup --to FILE</c> against a server that is busy, then <c>restore --from FILE --data DIR</c> and a
/// server on DIR: what users, channels, messages and files look like to a client afterwards.
/// </summary>
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task A_backup_taken_while_messages_and_uploads_flow_restores_users_channels_messages_and_files()
    {
        var work = TestHost.NewDataDirectory();
        var archive = Path.Combine(work, "office.tar.gz");
        var restored = Path.Combine(work, "restored");
        TestUser alice, bob;
        var acked = new ConcurrentDictionary<long, string>();   // seq in general -> text
        var uploads = new ConcurrentDictionary<string, (string Key, byte[] Bytes)>();
        byte[] signingKey;
        long ackedBeforeBackup;
        Dictionary<string, (string Key, byte[] Bytes)> uploadedBefore;
        (string FileId, string Key, byte[] Bytes) attachment;
        string dmChannel;
        try
        {
            await using (var host = await TestHost.StartAsync())
            {
                alice = await host.CreateUserAsync();
                bob = await host.CreateUserAsync();
                var aliceMessaging = host.Client(ModuleNames.Messaging, alice.Token);
                var aliceFiles = host.Client(ModuleNames.Files, alice.Token);
                attachment = await UploadAsync(aliceFiles, "minutes.txt", Encoding.UTF8.GetBytes("Minutes of the Monday meeting"));
                var dm = await SendAsync(aliceMessaging, bob.Id, "hello bob, the file is attached");
                dmChannel = dm.GetProperty("channel_id").GetString()!;
                dmChannel.Should().StartWith("dm:");

                using var stop = new CancellationTokenSource();
                var sender = Task.Run(async () =>
                {
                    for (var i = 1; !stop.IsCancellationRequested; i++)
                    {
                        var text = $"busy message {i}";
                        var ack = await SendAsync(aliceMessaging, "general", text);
                        acked[ack.GetProperty("seq").GetInt64()] = text;
                    }
                });
                var uploader = Task.Run(async () =>
                {
                    for (var i = 1; !stop.IsCancellationRequested; i++)
                    {
                        var bytes = RandomNumberGenerator.GetBytes(4096 + i);
                        var file = await UploadAsync(aliceFiles, $"scan-{i}.bin", bytes);
                        uploads[file.FileId] = (file.Key, bytes);
                    }
                });

                await WaitUntilAsync(() => acked.Count >= 20 && uploads.Count >= 3, sender, uploader);
                ackedBeforeBackup = acked.Keys.Max();
                // One snapshot: the uploader keeps adding while we look. Each of these was acknowledged
                // before the backup began, so each must come back, by its own id, with its own bytes.
                uploadedBefore = uploads.ToDictionary(u => u.Key, u => u.Value);
                uploadedBefore.Should().HaveCountGreaterThanOrEqualTo(3);

                var (code, output) = await RunCliAsync(work, "backup", "--to", archive, "--data", host.DataDirectory);

                code.Should().Be(0, output);
                // The server kept working: messages and uploads after the snapshot, which must not disturb it.
                await WaitUntilAsync(() => acked.Keys.Max() > ackedBeforeBackup + 5 && uploads.Count > uploadedBefore.Count + 1, sender, uploader);
                stop.Cancel();
                await Task.WhenAll(sender, uploader);
                signingKey = await File.ReadAllBytesAsync(Path.Combine(host.DataDirectory, "keys", "token-signing.key"));
            }

            if (!OperatingSystem.IsWindows())
            {
                File.GetUnixFileMode(archive).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the archive holds the signing key");
            }

            var (restoreCode, restoreOutput) = await RunCliAsync(work, "restore", "--from", archive, "--data", restored);
            restoreCode.Should().Be(0, restoreOutput);
            (await File.ReadAllBytesAsync(Path.Combine(restored, "keys", "token-signing.key"))).Should().Equal(signingKey);

            await using var again = await TestHost.StartAsync(dataDirectory: restored);

            // Users: their passwords work, and tokens issued before the backup still do (same signing key).
            var aliceToken = await again.LoginAsync(alice.Username, alice.Password);
            var bobToken = await again.LoginAsync(bob.Username, bob.Password);
            (await again.Client(ModuleNames.Auth, alice.Token).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);

            // Channels and messages: every message acknowledged before the backup began, in order, no gaps.
            var messaging = again.Client(ModuleNames.Messaging, aliceToken);
            var channels = await messaging.GetFromJsonAsync<JsonElement>("/channels");
            channels.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("id").GetString())
                .Should().Contain("general").And.Contain(dmChannel);
            var history = (await messaging.GetFromJsonAsync<JsonElement>("/history?channel_id=general&limit=1000")).EnumerateArray().ToList();
            var seqs = history.Select(m => m.GetProperty("seq").GetInt64()).ToList();
            seqs.Should().Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), "a snapshot has no gaps");
            seqs.Max().Should().BeGreaterThanOrEqualTo(ackedBeforeBackup);
            foreach (var message in history)
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(message.GetProperty("content").GetString()!));
                text.Should().Be(acked[message.GetProperty("seq").GetInt64()]);
            }

            var bobMessaging = again.Client(ModuleNames.Messaging, bobToken);
            var direct = (await bobMessaging.GetFromJsonAsync<JsonElement>($"/history?channel_id={alice.Id}")).EnumerateArray().Single();
            Encoding.UTF8.GetString(Convert.FromBase64String(direct.GetProperty("content").GetString()!)).Should().Be("hello bob, the file is attached");

            // Files: every upload acknowledged before the backup downloads with its key; later ones are whole or absent.
            var files = again.Client(ModuleNames.Files, bobToken);
            (await files.GetByteArrayAsync($"/download?id={attachment.FileId}&key={attachment.Key}")).Should().Equal(attachment.Bytes);
            foreach (var (id, (key, bytes)) in uploadedBefore)
            {
                var response = await files.GetAsync($"/download?id={id}&key={key}");
                response.StatusCode.Should().Be(HttpStatusCode.OK, $"file {id} was uploaded before the backup began");
                (await response.Content.ReadAsByteArrayAsync()).Should().Equal(bytes, $"file {id} must come back with its own bytes");
            }

            foreach (var (id, (key, bytes)) in uploads.Where(u => !uploadedBefore.ContainsKey(u.Key)))
            {
                var response = await files.GetAsync($"/download?id={id}&key={key}");
                if (response.StatusCode != HttpStatusCode.NotFound)
                {
                    response.StatusCode.Should().Be(HttpStatusCode.OK, $"file {id}, uploaded during the backup, is whole or absent");
                    (await response.Content.ReadAsByteArrayAsync()).Should().Equal(bytes, $"file {id}, uploaded during the backup, is whole or absent");
                }
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task The_archive_starts_with_a_manifest_naming_versions_and_restore_refuses_a_directory_that_is_not_empty()
    {
        var work = TestHost.NewDataDirectory();
        try
        {
            var archive = Path.Combine(work, "b.tar.gz");
            await using (var host = await TestHost.StartAsync())
            {
                await host.CreateUserAsync();
                var (code, output) = await RunCliAsync(work, "backup", "--to", archive, "--data", host.DataDirectory);
                code.Should().Be(0, output);
                output.Should().Contain("signing key");
            }

            await using (var stream = File.OpenRead(archive))
            await using (var gzip = new GZipStream(stream, CompressionMode.Decompress))
            {
                var tar = new TarReader(gzip);
                var first = (await tar.GetNextEntryAsync())!;
                first.Name.Should().Be("ziyad-backup.json");
                var manifest = JsonDocument.Parse(first.DataStream!).RootElement;
                manifest.GetProperty("format_version").GetInt32().Should().Be(1);
                manifest.GetProperty("app_version").GetString().Should().Be(ZiyadMessenger.Host.Operations.DataFormat.AppVersion);
                manifest.GetProperty("data_format_version").GetInt32().Should().Be(ZiyadMessenger.Host.Operations.DataFormat.Current);
                manifest.GetProperty("schema_versions").EnumerateObject().Select(p => p.Name).Should().Contain(["auth", "messaging", "files"]);
                var names = new List<string>();
                while (await tar.GetNextEntryAsync() is { } entry)
                {
                    names.Add(entry.Name);
                }

                names.Should().Contain("ziyad.db").And.Contain("keys/token-signing.key").And.NotContain(n => n.StartsWith("logs/"));
            }

            var occupied = Path.Combine(work, "occupied");
            Directory.CreateDirectory(occupied);
            await File.WriteAllTextAsync(Path.Combine(occupied, "keep.txt"), "mine");
            var (refused, line) = await RunCliAsync(work, "restore", "--from", archive, "--data", occupied);
            refused.Should().Be(65);
            line.Trim().Should().Contain("is not empty");
            Directory.GetFileSystemEntries(occupied).Should().ContainSingle();

            var notBackup = Path.Combine(work, "photo.tar.gz");
            await File.WriteAllBytesAsync(notBackup, RandomNumberGenerator.GetBytes(100));
            var (garbage, _) = await RunCliAsync(work, "restore", "--from", notBackup, "--data", Path.Combine(work, "fresh"));
            garbage.Should().NotBe(0);
            Directory.Exists(Path.Combine(work, "fresh")).Should().BeFalse("a failed restore leaves nothing behind");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<JsonElement> SendAsync(HttpClient messaging, string channel, string text)
    {
        var response = await messaging.PostAsJsonAsync("/send", new
        {
            channel_id = channel,
            type = 1,
            content = Convert.ToBase64String(Encoding.UTF8.GetBytes(text)),
            client_msg_id = Guid.NewGuid().ToString(),
        });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<(string FileId, string Key, byte[] Bytes)> UploadAsync(HttpClient files, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", name);
        var response = await files.PostAsync("/upload", form);
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("file_id").GetString()!, body.GetProperty("key").GetString()!, bytes);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, params Task[] workers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            if (workers.FirstOrDefault(w => w.IsFaulted) is { } failed)
            {
                await failed;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the server should keep answering");
            await Task.Delay(20);
        }
    }

    /// <summary>Runs the program's own command line, as an admin would.</summary>
    internal static async Task<(int Code, string Output)> RunCliAsync(string workingDirectory, params string[] args)
    {
        await using var process = await HostProcess.StartAsync(workingDirectory, args: args, waitUntilReady: false);
        var code = await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
        return (code, process.Output);
    }
}
