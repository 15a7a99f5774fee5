using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class UserAdminTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static string NewName(string prefix = "u") => prefix + Guid.NewGuid().ToString("N")[..10];

    private async Task<JsonElement> CreateUserAsync(HttpClient admin, string? username = null, object? extra = null)
    {
        username ??= NewName();
        var body = new Dictionary<string, object?> { ["username"] = username, ["full_name"] = "Full " + username, ["password"] = "User-password-1" };
        if (extra is not null)
        {
            foreach (var p in extra.GetType().GetProperties())
            {
                body[p.Name] = p.GetValue(extra);
            }
        }

        return await (await admin.PostAsJsonAsync("/admin/users", body)).JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Admin_endpoints_refuse_user_tokens_and_user_endpoints_refuse_admin_tokens()
    {
        var user = await _host.CreateUserAsync();
        var asUser = _host.Client(ModuleNames.Admin, user.Token);
        await (await asUser.GetAsync("/admin/me")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await asUser.GetAsync("/admin/users")).ProblemAsync(HttpStatusCode.Unauthorized);

        var adminToken = await _host.AdminTokenAsync();
        (await _host.Client(ModuleNames.Auth, adminToken).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Create_then_log_in_as_the_user_over_the_Auth_API()
    {
        var admin = await _host.AdminClientAsync();
        var username = NewName();
        var created = await CreateUserAsync(admin, username);
        created.Str("username").Should().Be(username);
        created.Str("full_name").Should().Be("Full " + username);
        created.Str("role").Should().Be("member");
        created.GetProperty("is_active").GetBoolean().Should().BeTrue();

        var token = await _host.LoginAsync(username, "User-password-1");
        var me = await (await _host.Client(ModuleNames.Auth, token).GetAsync("/me")).JsonAsync(HttpStatusCode.OK);
        me.Str("id").Should().Be(created.Str("id"));
    }

    [Fact]
    public async Task Create_uses_role_id_and_department_id_from_the_admin_tables()
    {
        var admin = await _host.AdminClientAsync();
        var role = await (await admin.PostAsJsonAsync("/admin/roles", new { name = NewName("r"), permissions = new[] { "messages.send" } })).JsonAsync(HttpStatusCode.Created);
        var department = await (await admin.PostAsJsonAsync("/admin/departments", new { name = NewName("Dept ") })).JsonAsync(HttpStatusCode.Created);

        var created = await CreateUserAsync(admin, extra: new { role_id = role.Str("id"), department_id = department.Str("id") });
        created.Str("role").Should().Be(role.Str("name"));
        created.Str("department_id").Should().Be(department.Str("id"));

        var bad = await (await admin.PostAsJsonAsync("/admin/users", new { username = NewName(), password = "User-password-1", role_id = "nope", department_id = "nope" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        bad.GetProperty("errors").TryGetProperty("role_id", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Create_rejects_duplicates_with_409_and_bad_fields_with_400()
    {
        var admin = await _host.AdminClientAsync();
        var username = NewName();
        await CreateUserAsync(admin, username);
        await (await admin.PostAsJsonAsync("/admin/users", new { username = username.ToUpperInvariant(), full_name = "x", password = "User-password-1" }))
            .ProblemAsync(HttpStatusCode.Conflict);

        var invalid = await (await admin.PostAsJsonAsync("/admin/users", new { username = "a b", full_name = new string('x', 81), password = "short" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        var errors = invalid.GetProperty("errors");
        errors.TryGetProperty("username", out _).Should().BeTrue();
        errors.TryGetProperty("password", out _).Should().BeTrue();
        errors.TryGetProperty("full_name", out _).Should().BeTrue();

        await (await admin.PostAsJsonAsync("/admin/users", new { username = NewName(), password = "User-password-1", role = "super_admin" }))
            .ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostAsync("/admin/users", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json")))
            .ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task List_searches_and_pages_with_a_total()
    {
        var admin = await _host.AdminClientAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            await CreateUserAsync(admin, $"srch{tag}{i}");
        }

        var all = await (await admin.GetAsync($"/admin/users?search=srch{tag}")).JsonAsync(HttpStatusCode.OK);
        all.GetProperty("total").GetInt32().Should().Be(3);
        all.GetProperty("users").GetArrayLength().Should().Be(3);

        var page = await (await admin.GetAsync($"/admin/users?search=srch{tag}&offset=1&limit=1")).JsonAsync(HttpStatusCode.OK);
        page.GetProperty("total").GetInt32().Should().Be(3);
        page.GetProperty("users").GetArrayLength().Should().Be(1);

        var none = await (await admin.GetAsync($"/admin/users?search=zz{tag}nothing")).JsonAsync(HttpStatusCode.OK);
        none.GetProperty("total").GetInt32().Should().Be(0);

        await (await admin.GetAsync("/admin/users?limit=0")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("/admin/users?offset=abc")).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Partial_update_changes_only_what_is_given_and_deactivation_ends_sessions()
    {
        var admin = await _host.AdminClientAsync();
        var user = await _host.CreateUserAsync();
        var department = await (await admin.PostAsJsonAsync("/admin/departments", new { name = NewName("Dept ") })).JsonAsync(HttpStatusCode.Created);

        var renamed = await (await admin.PutAsJsonAsync($"/admin/users/{user.Id}", new { full_name = "New Name", department_id = department.Str("id") })).JsonAsync(HttpStatusCode.OK);
        renamed.Str("full_name").Should().Be("New Name");
        renamed.Str("role").Should().Be("member");
        renamed.Str("department_id").Should().Be(department.Str("id"));

        var cleared = await (await admin.PutAsJsonAsync($"/admin/users/{user.Id}", new Dictionary<string, object?> { ["department_id"] = null })).JsonAsync(HttpStatusCode.OK);
        cleared.GetProperty("department_id").ValueKind.Should().Be(JsonValueKind.Null);
        cleared.Str("full_name").Should().Be("New Name");

        (await _host.Client(ModuleNames.Auth, user.Token).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        var deactivated = await (await admin.PutAsJsonAsync($"/admin/users/{user.Id}", new { is_active = false })).JsonAsync(HttpStatusCode.OK);
        deactivated.GetProperty("is_active").GetBoolean().Should().BeFalse();
        (await _host.Client(ModuleNames.Auth, user.Token).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var login = await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
        login.IsSuccessStatusCode.Should().BeFalse();

        await (await admin.PutAsJsonAsync($"/admin/users/{user.Id}", new { is_active = "no" })).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PutAsJsonAsync($"/admin/users/{Guid.NewGuid()}", new { full_name = "x" })).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_removes_the_user_and_their_token_is_401()
    {
        var admin = await _host.AdminClientAsync();
        var user = await _host.CreateUserAsync();
        (await admin.DeleteAsync($"/admin/users/{user.Id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        await (await _host.Client(ModuleNames.Auth, user.Token).GetAsync("/me")).ProblemAsync(HttpStatusCode.Unauthorized);
        var list = await (await admin.GetAsync($"/admin/users?search={user.Username}")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("total").GetInt32().Should().Be(0);
        await (await admin.DeleteAsync($"/admin/users/{user.Id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reset_password_returns_a_temporary_password_once_and_ends_sessions()
    {
        var admin = await _host.AdminClientAsync();
        var user = await _host.CreateUserAsync();

        var response = await admin.PostAsync($"/admin/users/{user.Id}/reset-password", null);
        var body = await response.JsonAsync(HttpStatusCode.OK);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var temporary = body.Str("temporary_password");
        temporary.Length.Should().BeGreaterThanOrEqualTo(12);

        (await _host.Client(ModuleNames.Auth, user.Token).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var newToken = await _host.LoginAsync(user.Username, temporary);
        (await _host.Client(ModuleNames.Auth, newToken).GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password })).IsSuccessStatusCode.Should().BeFalse();

        // The reset's own access line must be there: a log that was never read, or not yet written, proves nothing.
        var logs = await ReadLogsUntilAsync($"/admin/users/{user.Id}/reset-password");
        logs.Should().NotBeEmpty().And.Contain($"/admin/users/{user.Id}/reset-password");
        logs.Should().NotContain(temporary);
        await (await admin.PostAsync($"/admin/users/{Guid.NewGuid()}/reset-password", null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<string> ReadLogsUntilAsync(string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var logs = await _host.ReadLogsAsync();
            if (logs.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return logs;
            }
        }
    }
}
