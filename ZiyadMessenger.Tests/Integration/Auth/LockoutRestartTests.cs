using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>
/// A login lockout (users in Auth, admin names in Admin) is kept in the store: restarting the server does
/// not forgive a password guesser, and lockouts that have run out are dropped when the server starts.
/// </summary>
public sealed class LockoutRestartTests
{
    private const string AdminPassword = "Restart-admin-pw-1";

    private static Dictionary<string, string?> Settings => new()
    {
        ["ZiyadMessenger:Auth:LockoutFailures"] = "2",
        ["ZiyadMessenger:Auth:LockoutMinutes"] = "5",
        ["ZiyadMessenger:Admin:LockoutFailures"] = "2",
        ["ZiyadMessenger:Admin:LockoutMinutes"] = "5",
        ["ZiyadMessenger:Admin:InitialPassword"] = AdminPassword,
    };

    [Fact]
    public async Task A_locked_user_and_a_locked_admin_name_are_still_locked_after_a_restart()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            TestUser user;
            await using (var first = await TestHost.StartAsync(Settings, directory))
            {
                user = await first.CreateUserAsync();
                for (var i = 0; i < 2; i++)
                {
                    await UserLogin(first, user.Username, "wrong-password-1");
                    await AdminLogin(first, "admin", "wrong-password-1");
                }

                (await UserLogin(first, user.Username, user.Password)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
                (await AdminLogin(first, "admin", AdminPassword)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
            }

            await using var second = await TestHost.StartAsync(Settings, directory);

            var userAfter = await UserLogin(second, user.Username, user.Password);
            userAfter.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the restart did not forgive the user's lockout");
            userAfter.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.FromMinutes(3)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(5));
            var adminAfter = await AdminLogin(second, "admin", AdminPassword);
            adminAfter.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the restart did not forgive the admin name's lockout");
            (await UserLogin(second, (await second.CreateUserAsync()).Username, "wrong-password-1")).StatusCode
                .Should().Be(HttpStatusCode.Unauthorized, "others are not locked");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Lockouts_that_have_run_out_are_dropped_from_the_store_when_the_server_starts()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            TestUser locked;
            await using (var first = await TestHost.StartAsync(Settings, directory))
            {
                locked = await first.CreateUserAsync();
                var once = await first.CreateUserAsync();
                await UserLogin(first, locked.Username, "wrong-password-1");
                await UserLogin(first, locked.Username, "wrong-password-1");
                await UserLogin(first, once.Username, "wrong-password-1");
                await AdminLogin(first, "ghost-admin", "wrong-password-1");
            }

            Rows(directory, "auth_login_lockouts").Should().Be(2, "a lockout and a failure were written through to the store");
            Rows(directory, "admin_login_lockouts").Should().Be(1);

            // Six minutes later, past the five-minute lockout and the five-minute window for counting failures.
            var later = new ShiftedClock(TimeSpan.FromMinutes(6));
            await using var second = await TestHost.StartAsync(Settings, directory, services => services.AddSingleton<TimeProvider>(later));

            Rows(directory, "auth_login_lockouts").Should().Be(0, "entries that ran out are pruned at start");
            Rows(directory, "admin_login_lockouts").Should().Be(0);
            (await UserLogin(second, locked.Username, locked.Password)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Task<HttpResponseMessage> UserLogin(TestHost host, string username, string password) =>
        host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username, password });

    private static Task<HttpResponseMessage> AdminLogin(TestHost host, string username, string password) =>
        host.Client(ModuleNames.Admin).PostAsJsonAsync("/admin/login", new { username, password });

    private static long Rows(string directory, string table)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "ziyad.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
