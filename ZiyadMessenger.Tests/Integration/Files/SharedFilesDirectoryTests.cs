using System.Net;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Operations;

namespace ZiyadMessenger.Tests.Integration.Files;

/// <summary>
/// <c>ZiyadMessenger:Files:Directory</c> (CONTRACT §6): the files' bytes where the setting says, which
/// several nodes share; the rows in the store. Any node serves any file.
/// </summary>
public sealed class SharedFilesDirectoryTests
{
    [PostgresFact]
    public async Task A_file_uploaded_on_one_node_downloads_from_another_with_the_same_bytes()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var shared = TestHost.NewDataDirectory();
        try
        {
            var settings = StoreSettings.For(database, new Dictionary<string, string?> { [StorePaths.FilesDirectoryKey] = shared });
            await using var a = await TestHost.StartAsync(settings);
            // Made before the second node starts, which then knows the account from the store.
            var uploader = await a.CreateUserAsync();
            await using var b = await TestHost.StartAsync(settings);
            var reader = await b.LoginAsync(uploader.Username, uploader.Password);
            var bytes = FilesTestClient.RandomBytes(200_000);

            var uploaded = await a.UploadAsync(uploader.Token, bytes, "plan.pdf", "application/pdf");

            using var client = b.Client(ModuleNames.Files, reader);
            using var download = await client.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}");
            download.StatusCode.Should().Be(HttpStatusCode.OK);
            (await download.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
            download.Content.Headers.ContentDisposition!.FileNameStar.Should().Be("plan.pdf");

            // The bytes are in the shared folder, not in either node's data directory.
            var stored = Path.Combine(shared, uploaded.FileId[..2], uploaded.FileId + ".enc");
            File.Exists(stored).Should().BeTrue();
            Directory.Exists(Path.Combine(a.DataDirectory, "files", uploaded.FileId[..2])).Should().BeFalse();
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task Files_go_to_the_configured_directory_and_its_disk_is_the_one_checked()
    {
        var elsewhere = TestHost.NewDataDirectory();
        try
        {
            await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { [StorePaths.FilesDirectoryKey] = elsewhere });
            var user = await host.CreateUserAsync();
            var uploaded = await host.UploadAsync(user.Token, FilesTestClient.RandomBytes(5000));

            File.Exists(Path.Combine(elsewhere, uploaded.FileId[..2], uploaded.FileId + ".enc")).Should().BeTrue();
            File.Exists(host.StoredPath(uploaded.FileId)).Should().BeFalse();
            (await host.Client(ModuleNames.Files).GetAsync("/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task A_files_directory_that_cannot_be_created_stops_the_start_with_one_line_naming_it()
    {
        var blocker = Path.Combine(Path.GetTempPath(), $"ziyad-not-a-folder-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(blocker, "a file where a folder should be");
        try
        {
            var (code, lines) = await ConfigurationErrorTests.RunUntilExitAsync(environment: new() { ["ZiyadMessenger__Files__Directory"] = Path.Combine(blocker, "files") });

            code.Should().Be(78, string.Join('\n', lines));
            lines.Should().ContainSingle().Which.Should().StartWith("Configuration error: ZiyadMessenger:Files:Directory: ").And.Contain("cannot be created");
        }
        finally
        {
            File.Delete(blocker);
        }
    }
}
