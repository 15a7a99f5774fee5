using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

public abstract class AuthFlowTestsBehaviour(StoreHostFixture fixture)
{
    private TestHost _host => fixture.Host;
    private HttpClient Auth => _host.Client(ModuleNames.Auth);

    private static string NewName(string prefix = "u") => $"{prefix}_{Guid.NewGuid().ToString("N")[..10]}";

    [SkippableFact]
    public async Task Register_then_login_then_me_returns_the_profile()
    {
        fixture.Require();
        var username = NewName("Alice");
        var register = await Auth.PostAsJsonAsync("/register", new { username, full_name = "Alice Liddell", password = "correct horse", role = "member" });
        register.StatusCode.Should().Be(HttpStatusCode.Created);
        var id = (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        id.Should().NotBeNullOrWhiteSpace();

        var login = await Auth.PostAsJsonAsync("/login", new { username, password = "correct horse" });
        login.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await login.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("user_id").GetString().Should().Be(id);
        body.GetProperty("role").GetString().Should().Be("member");
        var expires = body.GetProperty("expires_at").GetDateTimeOffset();
        expires.Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(60));
        var token = body.GetProperty("token").GetString()!;

        using var client = _host.Client(ModuleNames.Auth, token);
        var me = await client.GetAsync("/me");
        me.StatusCode.Should().Be(HttpStatusCode.OK);
        var profile = await me.Content.ReadFromJsonAsync<JsonElement>();
        profile.GetProperty("id").GetString().Should().Be(id);
        profile.GetProperty("username").GetString().Should().Be(username);
        profile.GetProperty("full_name").GetString().Should().Be("Alice Liddell");
        profile.GetProperty("role").GetString().Should().Be("member");
        profile.GetProperty("created_at").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        profile.TryGetProperty("password_hash", out _).Should().BeFalse();
    }

    [SkippableFact]
    public async Task Login_is_case_insensitive_on_the_username_and_keeps_its_spelling()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync(NewName("MiXed"));
        var login = await Auth.PostAsJsonAsync("/login", new { username = user.Username.ToUpperInvariant(), password = user.Password });
        login.StatusCode.Should().Be(HttpStatusCode.OK);
        using var client = _host.Client(ModuleNames.Auth, (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
        (await client.GetFromJsonAsync<JsonElement>("/me")).GetProperty("username").GetString().Should().Be(user.Username);
    }

    [SkippableFact]
    public async Task A_missing_role_registers_a_member()
    {
        fixture.Require();
        var username = NewName();
        var register = await Auth.PostAsJsonAsync("/register", new { username, full_name = "No Role", password = "password-1" });
        register.StatusCode.Should().Be(HttpStatusCode.Created);
        var login = await Auth.PostAsJsonAsync("/login", new { username, password = "password-1" });
        (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString().Should().Be("member");
    }

    [SkippableFact]
    public async Task Wrong_password_and_unknown_user_get_the_same_401()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        var wrong = await Auth.PostAsJsonAsync("/login", new { username = user.Username, password = "not-the-password" });
        var unknown = await Auth.PostAsJsonAsync("/login", new { username = NewName("ghost"), password = "not-the-password" });

        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        unknown.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var a = await wrong.Content.ReadFromJsonAsync<JsonElement>();
        var b = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        a.GetProperty("error").GetString().Should().Be(b.GetProperty("error").GetString());
        a.GetProperty("title").GetString().Should().Be(b.GetProperty("title").GetString());
        wrong.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [SkippableFact]
    public async Task Usernames_are_unique_case_insensitively()
    {
        fixture.Require();
        var username = NewName("Bob");
        (await Auth.PostAsJsonAsync("/register", new { username, full_name = "Bob", password = "password-1", role = "member" }))
            .StatusCode.Should().Be(HttpStatusCode.Created);
        var again = await Auth.PostAsJsonAsync("/register", new { username = username.ToUpperInvariant(), full_name = "Bob 2", password = "password-2", role = "member" });

        again.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Contain("taken");
    }

    [SkippableFact]
    public async Task Concurrent_registrations_of_one_name_create_exactly_one_user()
    {
        fixture.Require();
        var username = NewName("race");
        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Auth.PostAsJsonAsync("/register", new { username, full_name = $"Racer {i}", password = "password-1", role = "member" })));

        attempts.Count(r => r.StatusCode == HttpStatusCode.Created).Should().Be(1);
        attempts.Where(r => r.StatusCode != HttpStatusCode.Created).Should().OnlyContain(r => r.StatusCode == HttpStatusCode.Conflict);
    }

    [SkippableTheory]
    [InlineData("admin")]
    [InlineData("super_admin")]
    [InlineData("ADMIN")]
    [InlineData(" Super_Admin ")]
    public async Task Registration_refuses_privileged_roles(string role)
    {
        fixture.Require();
        var username = NewName();
        var response = await Auth.PostAsJsonAsync("/register", new { username, full_name = "Sneaky", password = "password-1", role });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Auth.PostAsJsonAsync("/login", new { username, password = "password-1" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task Logout_ends_that_token_only()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        var second = await _host.LoginAsync(user.Username, user.Password);
        using var first = _host.Client(ModuleNames.Auth, user.Token);
        using var other = _host.Client(ModuleNames.Auth, second);

        (await first.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await first.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await first.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await other.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task Change_password_ends_the_other_tokens_and_keeps_the_one_that_asked()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        var otherToken = await _host.LoginAsync(user.Username, user.Password);
        using var asking = _host.Client(ModuleNames.Auth, user.Token);
        using var other = _host.Client(ModuleNames.Auth, otherToken);

        var change = await asking.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = "brand-new-password" });
        change.StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await asking.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await other.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Auth.PostAsJsonAsync("/login", new { username = user.Username, password = user.Password })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var fresh = await _host.LoginAsync(user.Username, "brand-new-password");
        using var freshClient = _host.Client(ModuleNames.Auth, fresh);
        (await freshClient.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);

        // A second change from the same session keeps it alive again and ends the login made in between.
        (await asking.PostAsJsonAsync("/change-password", new { current_password = "brand-new-password", new_password = "third-password" }))
            .StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await asking.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await freshClient.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task Change_password_with_a_wrong_current_password_is_400_and_changes_nothing()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        using var client = _host.Client(ModuleNames.Auth, user.Token);

        var change = await client.PostAsJsonAsync("/change-password", new { current_password = "wrong-password", new_password = "brand-new-password" });

        change.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await change.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("current_password", out _).Should().BeTrue();
        (await client.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _host.LoginAsync(user.Username, user.Password)).Should().NotBeNullOrEmpty();
    }

    [SkippableFact]
    public async Task Change_password_validates_the_new_password()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        using var client = _host.Client(ModuleNames.Auth, user.Token);

        var tooShort = await client.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = "short" });
        var same = await client.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = user.Password });

        tooShort.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await tooShort.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("new_password", out _).Should().BeTrue();
        same.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [SkippableFact]
    public async Task Endpoints_that_need_a_token_answer_401_without_one()
    {
        fixture.Require();
        (await Auth.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Auth.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var change = await Auth.PostAsJsonAsync("/change-password", new { current_password = "x", new_password = "yyyyyyyy" });
        change.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        change.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [SkippableFact]
    public async Task The_token_works_in_the_query_string_too()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        (await Auth.GetAsync($"/me?token={Uri.EscapeDataString(user.Token)}")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task Other_modules_ask_auth_who_users_are_on_the_bus()
    {
        fixture.Require();
        var a = await _host.CreateUserAsync(fullName: "Ada Lovelace");
        var b = await _host.CreateUserAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        var one = await sender.Send(new GetUser(a.Id));
        one!.Username.Should().Be(a.Username);
        one.FullName.Should().Be("Ada Lovelace");
        one.IsActive.Should().BeTrue();
        one.LastLoginAt.Should().NotBeNull();
        (await sender.Send(new GetUser("no-such-id"))).Should().BeNull();

        var many = await sender.Send(new GetUsers([a.Id, b.Id, "no-such-id", a.Id]));
        many.Select(u => u.Id).Should().BeEquivalentTo([a.Id, b.Id]);
    }
}

public sealed class AuthFlowTestsOnSqlite(SqliteHostFixture fixture) : AuthFlowTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class AuthFlowTestsOnPostgres(PostgresHostFixture fixture) : AuthFlowTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
