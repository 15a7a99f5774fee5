using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed partial class FirstAdminTests
{
    [Fact]
    public async Task Without_a_configured_password_the_first_admin_gets_a_random_one_shown_once_and_never_logged()
    {
        var directory = TestHost.NewDataDirectory();
        var environment = new Dictionary<string, string> { ["ZiyadMessenger__Admin__InitialPassword"] = "" };
        string password;
        await using (var host = await HostProcess.StartAsync(directory, environment, waitUntilReady: false))
        {
            // Generous: a child process on a machine busy with the rest of the suite starts slowly.
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            var match = await WaitForPasswordAsync(host);
            match.Success.Should().BeTrue($"the console should show the one-time password:\n{host.Output}");
            password = match.Groups[1].Value;
            password.Length.Should().BeGreaterThanOrEqualTo(16);

            using var http = new HttpClient();
            var login = await http.PostAsJsonAsync(host.Url(ModuleNames.Admin, "/admin/login"), new { username = "admin", password });
            login.StatusCode.Should().Be(HttpStatusCode.OK);
            var wrong = await http.PostAsJsonAsync(host.Url(ModuleNames.Admin, "/admin/login"), new { username = "admin", password = "admin" });
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            await host.TerminateAsync(TimeSpan.FromSeconds(20));
        }

        var logs = string.Join('\n', Directory.GetFiles(Path.Combine(directory, "logs")).Select(ReadShared));
        logs.Should().Contain("first admin account");
        logs.Should().NotContain(password);

        // A second start finds the admin and shows nothing.
        await using (var again = await HostProcess.StartAsync(directory, environment, waitUntilReady: false))
        {
            await again.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
            await Task.Delay(500);
            OneTimePassword().Match(again.Output).Success.Should().BeFalse();
        }
    }

    private static async Task<Match> WaitForPasswordAsync(HostProcess host)
    {
        for (var i = 0; i < 50; i++)
        {
            var match = OneTimePassword().Match(host.Output);
            if (match.Success)
            {
                return match;
            }

            await Task.Delay(100);
        }

        return OneTimePassword().Match(host.Output);
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    [GeneratedRegex(@"One-time password: (\S+)")]
    private static partial Regex OneTimePassword();
}
