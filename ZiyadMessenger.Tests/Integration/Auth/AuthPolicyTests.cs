using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>Behaviour that depends on configuration or on a restart: each test has its own host.</summary>
public sealed class AuthPolicyTests
{
    private static async Task<HttpResponseMessage> Login(TestHost host, string username, string password, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = JsonContent.Create(new { username, password }) };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await host.Client(ModuleNames.Auth).SendAsync(request);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_username_whatever_the_client_address()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Auth:LockoutFailures"] = "3",
            ["ZiyadMessenger:Auth:LockoutMinutes"] = "5",
            ["ZiyadMessenger:RateLimits:TrustedProxies:0"] = "127.0.0.1",
        });
        var victim = await host.CreateUserAsync();
        var bystander = await host.CreateUserAsync();

        // Three guesses from three addresses (the trusted proxy reports each one).
        for (var i = 1; i <= 3; i++)
        {
            (await Login(host, victim.Username, "guess-" + i, $"10.0.0.{i}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        var locked = await Login(host, victim.Username, victim.Password, "10.9.9.9");
        locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var retryAfter = locked.Headers.RetryAfter!.Delta!.Value;
        retryAfter.Should().BeGreaterThan(TimeSpan.FromMinutes(4)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(5));
        (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        (await Login(host, victim.Username.ToUpperInvariant(), victim.Password)).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);

        // Someone else is not affected.
        (await Login(host, bystander.Username, bystander.Password)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_lockout_lifts_by_itself()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Auth:LockoutFailures"] = "1",
            ["ZiyadMessenger:Auth:LockoutMinutes"] = "0.1", // six seconds
        });
        var user = await host.CreateUserAsync();

        (await Login(host, user.Username, "wrong-password")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var locked = await Login(host, user.Username, user.Password);
        locked.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        var retryAfter = locked.Headers.RetryAfter!.Delta!.Value;
        retryAfter.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(6));

        await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(500));
        (await Login(host, user.Username, user.Password)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_current_passwords_on_change_password_count_toward_the_lockout()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Auth:LockoutFailures"] = "3",
            ["ZiyadMessenger:Auth:LockoutMinutes"] = "5",
        });
        var victim = await host.CreateUserAsync();
        var bystander = await host.CreateUserAsync();
        using var stolen = host.Client(ModuleNames.Auth, victim.Token);

        // Someone holding a stolen token guesses the password through /change-password; no login fails.
        for (var i = 1; i <= 3; i++)
        {
            var guess = await stolen.PostAsJsonAsync("/change-password", new { current_password = "guess-" + i, new_password = "Taken-over-1" });
            guess.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"guess {i} is wrong");
        }

        // The account is now locked for logins, even with the right password...
        var login = await Login(host, victim.Username, victim.Password);
        login.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        login.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.FromMinutes(4)).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(5));
        // ...and for further guesses, even a right one.
        var right = await stolen.PostAsJsonAsync("/change-password", new { current_password = victim.Password, new_password = "Taken-over-1" });
        right.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);

        (await Login(host, bystander.Username, bystander.Password)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_usernames_lock_out_like_real_ones()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Auth:LockoutFailures"] = "2" });
        (await Login(host, "nobody_here", "password-1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Login(host, "nobody_here", "password-1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Login(host, "nobody_here", "password-1")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_successful_login_resets_the_failure_count()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Auth:LockoutFailures"] = "3" });
        var user = await host.CreateUserAsync();
        for (var round = 0; round < 3; round++)
        {
            (await Login(host, user.Username, "typo-1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await Login(host, user.Username, "typo-2")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await Login(host, user.Username, user.Password)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_login_limit_per_address_answers_429_with_retry_after()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:RateLimits:LoginPermitsPerMinute"] = "3",
            ["ZiyadMessenger:Auth:LockoutFailures"] = "0",
        });
        var user = await host.CreateUserAsync(); // register and login: two of the three permits
        (await Login(host, user.Username, user.Password)).StatusCode.Should().Be(HttpStatusCode.OK);

        var limited = await Login(host, user.Username, user.Password);

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter!.Delta!.Value.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(1));
        limited.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        // Forged X-Forwarded-For does not buy a new allowance: no proxy is trusted.
        (await Login(host, user.Username, user.Password, "10.1.2.3")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        // Endpoints without the login policy still answer.
        using var client = host.Client(ModuleNames.Auth, user.Token);
        (await client.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_login_allowance()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:RateLimits:LoginPermitsPerMinute"] = "2",
            ["ZiyadMessenger:RateLimits:TrustedProxies:0"] = "127.0.0.1",
            ["ZiyadMessenger:Auth:LockoutFailures"] = "0",
        });

        (await Login(host, "someone", "password-1", "10.0.0.1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Login(host, "someone", "password-1", "10.0.0.1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Login(host, "someone", "password-1", "10.0.0.1")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await Login(host, "someone", "password-1", "10.0.0.2")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Registration_can_be_switched_off()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Auth:RegistrationEnabled"] = "false" });

        var response = await host.Client(ModuleNames.Auth).PostAsJsonAsync("/register", new { username = "newcomer", full_name = "New", password = "password-1", role = "member" });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Contain("Registration");
        (await Login(host, "newcomer", "password-1")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_token_lifetime_is_configurable()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Auth:TokenLifetimeMinutes"] = "15" });
        var user = await host.CreateUserAsync();

        var login = await Login(host, user.Username, user.Password);

        var expires = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expires_at").GetDateTimeOffset();
        expires.Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(15), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Users_tokens_and_revocations_survive_a_restart()
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            TestUser user;
            string loggedOut;
            string changedAway;
            string kept;
            await using (var first = await TestHost.StartAsync(dataDirectory: directory))
            {
                user = await first.CreateUserAsync();
                loggedOut = await first.LoginAsync(user.Username, user.Password);
                changedAway = await first.LoginAsync(user.Username, user.Password);
                kept = await first.LoginAsync(user.Username, user.Password);
                using (var client = first.Client(ModuleNames.Auth, loggedOut))
                {
                    (await client.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
                }

                using (var client = first.Client(ModuleNames.Auth, kept))
                {
                    (await client.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = "after-restart-pw" }))
                        .StatusCode.Should().Be(HttpStatusCode.NoContent);
                }
            }

            await using var second = await TestHost.StartAsync(dataDirectory: directory);
            async Task<HttpStatusCode> Me(string token)
            {
                using var client = second.Client(ModuleNames.Auth, token);
                return (await client.GetAsync("/me")).StatusCode;
            }

            (await Me(kept)).Should().Be(HttpStatusCode.OK, "the signing key and the kept token outlive the restart");
            (await Me(loggedOut)).Should().Be(HttpStatusCode.Unauthorized);
            (await Me(changedAway)).Should().Be(HttpStatusCode.Unauthorized);
            (await Me(user.Token)).Should().Be(HttpStatusCode.Unauthorized);
            (await second.LoginAsync(user.Username, "after-restart-pw")).Should().NotBeNullOrEmpty();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Passwords_are_stored_as_argon2id_hashes_with_their_parameters()
    {
        await using var host = await TestHost.StartAsync();
        var user = await host.CreateUserAsync();
        var other = await host.CreateUserAsync();

        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "ziyad.db")};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM auth_users ORDER BY username_key";
        var hashes = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                hashes.Add(reader.GetString(0));
            }
        }

        hashes.Should().HaveCount(2);
        foreach (var hash in hashes)
        {
            hash.Should().MatchRegex(@"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$");
            var match = System.Text.RegularExpressions.Regex.Match(hash, @"m=(\d+),t=(\d+)");
            int.Parse(match.Groups[1].Value).Should().BeGreaterThanOrEqualTo(19 * 1024);
            int.Parse(match.Groups[2].Value).Should().BeGreaterThanOrEqualTo(2);
            hash.Should().NotContain(user.Password).And.NotContain(other.Password);
        }

        hashes[0].Should().NotBe(hashes[1]);
    }
}
