using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>Bad input of every kind gets a clear 4xx problem answer, never a 500, and stores nothing.</summary>
public abstract class AuthInputTestsBehaviour(StoreHostFixture fixture)
{
    private TestHost _host => fixture.Host;
    private HttpClient Auth => _host.Client(ModuleNames.Auth);

    private static string NewName() => "in_" + Guid.NewGuid().ToString("N")[..10];

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostRaw(string path, string body, string contentType = "application/json")
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var response = await Auth.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode >= 400)
        {
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", $"body was {text}");
        }

        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        if (json.ValueKind == JsonValueKind.Object && (int)response.StatusCode >= 400)
        {
            json.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
            json.GetProperty("status").GetInt32().Should().Be((int)response.StatusCode);
            text.Should().NotContain("   at ", "no stack trace is ever sent");
        }

        return (response.StatusCode, json);
    }

    [SkippableTheory]
    [InlineData("/register", "{\"username\": \"abc\",")]
    [InlineData("/register", "not json at all")]
    [InlineData("/register", "[1,2,3]")]
    [InlineData("/register", "\"just a string\"")]
    [InlineData("/login", "{\"username\": \"abc\", \"password\": }")]
    [InlineData("/login", "{'username': 'single quotes'}")]
    [InlineData("/login", "")]
    [InlineData("/register", "null")]
    public async Task Malformed_json_is_400(string path, string body)
    {
        fixture.Require();
        var (status, _) = await PostRaw(path, body);
        status.Should().Be(HttpStatusCode.BadRequest);
    }

    [SkippableTheory]
    [InlineData("{\"username\": 12345, \"full_name\": \"x\", \"password\": \"password-1\", \"role\": \"member\"}")]
    [InlineData("{\"username\": \"okname\", \"full_name\": [\"x\"], \"password\": \"password-1\", \"role\": \"member\"}")]
    [InlineData("{\"username\": \"okname\", \"full_name\": \"x\", \"password\": true, \"role\": \"member\"}")]
    [InlineData("{\"username\": {\"$ne\": null}, \"full_name\": \"x\", \"password\": \"password-1\"}")]
    public async Task Wrong_types_are_400(string body)
    {
        fixture.Require();
        var (status, problem) = await PostRaw("/register", body);
        status.Should().Be(HttpStatusCode.BadRequest);
        problem.GetProperty("error").GetString().Should().Contain("JSON");
    }

    [SkippableFact]
    public async Task Missing_fields_are_listed_by_name()
    {
        fixture.Require();
        var (status, problem) = await PostRaw("/register", "{}");

        status.Should().Be(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        errors.TryGetProperty("username", out _).Should().BeTrue();
        errors.TryGetProperty("full_name", out _).Should().BeTrue();
        errors.TryGetProperty("password", out _).Should().BeTrue();

        var (loginStatus, loginProblem) = await PostRaw("/login", "{\"username\": \"someone\"}");
        loginStatus.Should().Be(HttpStatusCode.BadRequest);
        loginProblem.GetProperty("errors").TryGetProperty("password", out _).Should().BeTrue();
    }

    [SkippableFact]
    public async Task A_body_that_is_not_json_content_is_415()
    {
        fixture.Require();
        var (status, _) = await PostRaw("/login", "username=a&password=b", "application/x-www-form-urlencoded");
        status.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [SkippableTheory]
    [InlineData("ab")]                                   // too short
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]    // 33 characters
    [InlineData("robert'); DROP TABLE auth_users;--")]
    [InlineData("x' OR '1'='1")]
    [InlineData("name with space")]
    [InlineData("émile")]
    [InlineData("用户名")]
    [InlineData("аdmin")]                                // Cyrillic 'а'
    [InlineData("bob\u200B")]                            // zero-width space
    [InlineData("evil\u202Egnp")]                        // right-to-left override
    [InlineData("null\u0000byte")]
    [InlineData("../../etc")]
    public async Task Usernames_outside_the_allowed_pattern_are_400(string username)
    {
        fixture.Require();
        var response = await Auth.PostAsJsonAsync("/register", new { username, full_name = "x", password = "password-1", role = "member" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty("username", out _).Should().BeTrue();
    }

    [SkippableTheory]
    [InlineData("a.b")]
    [InlineData("A_b-C.9")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32 characters
    public async Task Usernames_inside_the_pattern_are_accepted(string stem)
    {
        fixture.Require();
        // Each test host is shared; make the name unique while keeping its shape.
        var username = stem.Length > 24 ? stem[..24] + Guid.NewGuid().ToString("N")[..8] : stem + Guid.NewGuid().ToString("N")[..6];
        var response = await Auth.PostAsJsonAsync("/register", new { username, full_name = "x", password = "password-1", role = "member" });
        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }

    [SkippableFact]
    public async Task Sql_in_a_login_is_just_a_wrong_login()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        var attempts = new[] { "' OR 1=1 --", $"{user.Username}' --", "\" OR \"\"=\"", "admin'/*" };
        foreach (var username in attempts)
        {
            var response = await Auth.PostAsJsonAsync("/login", new { username, password = "' OR '1'='1" });
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, username);
        }

        var sqlPassword = await Auth.PostAsJsonAsync("/login", new { username = user.Username, password = "' OR '1'='1" });
        sqlPassword.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await _host.LoginAsync(user.Username, user.Password)).Should().NotBeNullOrEmpty();
    }

    [SkippableTheory]
    [InlineData(7, HttpStatusCode.BadRequest)]
    [InlineData(8, HttpStatusCode.Created)]
    [InlineData(128, HttpStatusCode.Created)]
    [InlineData(129, HttpStatusCode.BadRequest)]
    public async Task Passwords_are_8_to_128_characters(int length, HttpStatusCode expected)
    {
        fixture.Require();
        var response = await Auth.PostAsJsonAsync("/register", new { username = NewName(), full_name = "x", password = new string('p', length), role = "member" });
        response.StatusCode.Should().Be(expected);
    }

    [SkippableFact]
    public async Task A_unicode_password_works()
    {
        fixture.Require();
        var username = NewName();
        const string password = "pässwörd-密码-🔑";
        (await Auth.PostAsJsonAsync("/register", new { username, full_name = "Zoë Ünïcode 名前", password, role = "member" })).StatusCode.Should().Be(HttpStatusCode.Created);
        var token = await _host.LoginAsync(username, password);
        using var client = _host.Client(ModuleNames.Auth, token);
        (await client.GetFromJsonAsync<JsonElement>("/me")).GetProperty("full_name").GetString().Should().Be("Zoë Ünïcode 名前");
        (await Auth.PostAsJsonAsync("/login", new { username, password = "passwörd-密码-🔑" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableTheory]
    [InlineData(80, 40, HttpStatusCode.Created)]
    [InlineData(81, 10, HttpStatusCode.BadRequest)]
    [InlineData(10, 41, HttpStatusCode.BadRequest)]
    public async Task Full_name_and_role_have_length_limits(int nameLength, int roleLength, HttpStatusCode expected)
    {
        fixture.Require();
        var response = await Auth.PostAsJsonAsync("/register", new
        {
            username = NewName(),
            full_name = new string('n', nameLength),
            password = "password-1",
            role = new string('r', roleLength),
        });
        response.StatusCode.Should().Be(expected);
    }

    [SkippableFact]
    public async Task A_full_name_with_control_characters_is_400()
    {
        fixture.Require();
        var response = await Auth.PostAsJsonAsync("/register", new { username = NewName(), full_name = "line\nbreak", password = "password-1", role = "member" });
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [SkippableFact]
    public async Task An_oversized_body_is_413_and_stores_nothing()
    {
        fixture.Require();
        var username = NewName();
        var response = await Auth.PostAsJsonAsync("/register", new { username, full_name = "x", password = "password-1", role = "member", padding = new string('x', 64 * 1024) });

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await Auth.PostAsJsonAsync("/login", new { username, password = "password-1" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task An_oversized_chunked_body_without_a_length_is_413_too()
    {
        fixture.Require();
        var json = JsonSerializer.Serialize(new { username = NewName(), password = new string('x', 64 * 1024) });
        using var content = new StreamContent(new NonSeekableStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await Auth.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [SkippableFact]
    public async Task Unknown_paths_and_methods_are_problem_answers()
    {
        fixture.Require();
        var missing = await Auth.GetAsync("/no-such-endpoint");
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        var wrongMethod = await Auth.GetAsync("/login");
        wrongMethod.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
    }

    [SkippableFact]
    public async Task Auth_endpoints_do_not_answer_on_other_ports()
    {
        fixture.Require();
        var user = await _host.CreateUserAsync();
        foreach (var module in ModuleNames.All.Where(m => m != ModuleNames.Auth))
        {
            using var client = _host.Client(module, user.Token);
            (await client.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.NotFound, module);
            (await client.PostAsJsonAsync("/login", new { username = user.Username, password = user.Password }))
                .StatusCode.Should().Be(HttpStatusCode.NotFound, module);
            // Not even a 405 that would reveal the path exists on another port.
            (await client.GetAsync("/login")).StatusCode.Should().Be(HttpStatusCode.NotFound, module);
        }
    }

    /// <summary>Hides the length, so the client must send the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}

public sealed class AuthInputTestsOnSqlite(SqliteHostFixture fixture) : AuthInputTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class AuthInputTestsOnPostgres(PostgresHostFixture fixture) : AuthInputTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
