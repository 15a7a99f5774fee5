using System.Net.Http.Json;
using System.Net;
using System.Diagnostics;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>
/// Publishes the linux-x64 single-file program once per test run (or takes the one named by
/// <c>ZIYAD_SINGLE_FILE</c>), the way an office admin receives it.
/// </summary>
public sealed class SingleFileFixture : IAsyncLifetime
{
    public string Executable { get; private set; } = "";
    private string? _publishDirectory;

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable("ZIYAD_SINGLE_FILE");
        if (!string.IsNullOrEmpty(given))
        {
            Executable = given;
            return;
        }

        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ZiyadMessenger.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("The repository root was not found.");
        }

        _publishDirectory = Path.Combine(Path.GetTempPath(), "ziyad-tests", "publish-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                "publish", Path.Combine(root, "ZiyadMessenger.Host", "ZiyadMessenger.Host.csproj"),
                "-p:PublishProfile=linux-x64", $"-p:PublishDir={_publishDirectory}/", "-nologo",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, $"dotnet publish failed:\n{await output}\n{await errors}");
        Executable = Path.Combine(_publishDirectory, "ZiyadMessenger.Host");
    }

    public Task DisposeAsync()
    {
        if (_publishDirectory is not null && Directory.Exists(_publishDirectory))
        {
            Directory.Delete(_publishDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }
}

public sealed class SingleFileTests(SingleFileFixture fixture) : IClassFixture<SingleFileFixture>
{
    [Fact]
    public async Task The_published_program_is_one_file_that_runs_without_an_installed_runtime_and_answers_on_all_seven_ports()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the linux-x64 build; deploy/publish.sh makes the Windows one
        }

        var folder = Path.GetDirectoryName(fixture.Executable)!;
        Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => !n!.EndsWith(".json", StringComparison.Ordinal))
            .Should().Equal(["ZiyadMessenger.Host"], "everything but the settings is inside the one program");
        Directory.GetDirectories(folder).Should().BeEmpty();

        var directory = TestHost.NewDataDirectory();
        try
        {
            // No installed .NET to lean on: a bogus DOTNET_ROOT, and the test's own runtime folder is not used.
            await using var host = await HostProcess.StartAsync(
                directory,
                environment: new Dictionary<string, string> { ["DOTNET_ROOT"] = Path.Combine(directory, "no-dotnet-here") },
                executable: fixture.Executable);

            using var http = new HttpClient();
            foreach (var module in ModuleNames.All)
            {
                var body = await http.GetStringAsync(host.Url(module, "/health"));
                body.Should().Contain($"\"{module}\"");
            }

            // Passwords are hashed by libsodium, a native library that travels inside the one file.
            var account = new { username = "single_file", full_name = "Single File", password = "correct horse battery" };
            (await http.PostAsJsonAsync(host.Url(ModuleNames.Auth, "/register"), account)).StatusCode.Should().Be(HttpStatusCode.Created);
            (await http.PostAsJsonAsync(host.Url(ModuleNames.Auth, "/login"), new { account.username, account.password }))
                .StatusCode.Should().Be(HttpStatusCode.OK);

            var stopped = await host.TerminateAsync(TimeSpan.FromSeconds(30));
            stopped.Should().Be(0, "SIGTERM is a graceful stop");
            File.Exists(Path.Combine(directory, "ziyad.db")).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task The_published_program_answers_version_and_help()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var directory = TestHost.NewDataDirectory();
        try
        {
            await using var version = await HostProcess.StartAsync(directory, args: ["--version"], waitUntilReady: false, executable: fixture.Executable);
            (await version.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().Be(0);
            version.Output.Should().StartWith($"Ziyad Messenger {ZiyadMessenger.Host.Operations.DataFormat.AppVersion}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
