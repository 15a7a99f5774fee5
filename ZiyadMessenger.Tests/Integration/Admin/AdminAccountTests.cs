using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class AdminAccountTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;
    private HttpClient Anonymous => _host.Client(ModuleNames.Admin);

    [Fact]
    public async Task Login_returns_a_token_the_admin_profile_and_expiry()
    {
        var response = await Anonymous.PostAsJsonAsync("/admin/login", new { username = "admin", password = _host.AdminPassword });
        var body = await response.JsonAsync(HttpStatusCode.OK);

        body.Str("token").Should().NotBeNullOrWhiteSpace();
        var user = body.GetProperty("user");
        user.Str("username").Should().Be("admin");
        user.Str("role").Should().Be("super_admin");
        user.Str("id").Should().NotBeNullOrWhiteSpace();
        user.TryGetProperty("created_at", out _).Should().BeTrue();
        user.TryGetProperty("updated_at", out _).Should().BeTrue();
        body.GetProperty("expires_at").GetDateTimeOffset().Should().BeAfter(DateTimeOffset.UtcNow);

        var me = await (await _host.Client(ModuleNames.Admin, body.Str("token")).GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
        me.Str("id").Should().Be(user.Str("id"));
        me.Str("username").Should().Be("admin");
    }

    [Fact]
    public async Task Wrong_password_and_unknown_admin_get_the_same_401()
    {
        var wrong = await (await Anonymous.PostAsJsonAsync("/admin/login", new { username = "admin", password = "not-the-password" })).ProblemAsync(HttpStatusCode.Unauthorized);
        var unknown = await (await Anonymous.PostAsJsonAsync("/admin/login", new { username = "nobody-here", password = "not-the-password" })).ProblemAsync(HttpStatusCode.Unauthorized);
        wrong.Str("error").Should().Be(unknown.Str("error"));
    }

    [Fact]
    public async Task Login_with_missing_fields_is_400_naming_them()
    {
        var body = await (await Anonymous.PostAsJsonAsync("/admin/login", new { username = "" })).ProblemAsync(HttpStatusCode.BadRequest);
        body.GetProperty("errors").TryGetProperty("username", out _).Should().BeTrue();
        body.GetProperty("errors").TryGetProperty("password", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Repeated_failures_lock_the_admin_name_out_with_429()
    {
        var admin = await _host.AdminClientAsync();
        var username = "locky" + Guid.NewGuid().ToString("N")[..6];
        (await admin.PostAsJsonAsync("/admin/admins", new { username, password = "Right-password-1", role = "admin" })).StatusCode.Should().Be(HttpStatusCode.Created);

        for (var i = 0; i < 5; i++)
        {
            (await Anonymous.PostAsJsonAsync("/admin/login", new { username, password = "wrong-password" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        var locked = await Anonymous.PostAsJsonAsync("/admin/login", new { username, password = "Right-password-1" });
        await locked.ProblemAsync(HttpStatusCode.TooManyRequests);
        locked.Headers.RetryAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task Admin_endpoints_need_a_valid_admin_token()
    {
        (await Anonymous.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        await (await Anonymous.GetAsync("/admin/users")).ProblemAsync(HttpStatusCode.Unauthorized);
        (await _host.Client(ModuleNames.Admin, "not-a-token").GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Super_admin_creates_admins_and_duplicates_are_409_case_insensitively()
    {
        var admin = await _host.AdminClientAsync();
        var username = "ops" + Guid.NewGuid().ToString("N")[..6];
        var created = await (await admin.PostAsJsonAsync("/admin/admins", new { username, password = "Ops-password-1", role = "admin" })).JsonAsync(HttpStatusCode.Created);
        created.Str("username").Should().Be(username);
        created.Str("role").Should().Be("admin");
        created.TryGetProperty("password_hash", out _).Should().BeFalse();

        await (await admin.PostAsJsonAsync("/admin/admins", new { username = username.ToUpperInvariant(), password = "Ops-password-1", role = "admin" }))
            .ProblemAsync(HttpStatusCode.Conflict);

        var list = await (await admin.GetAsync("/admin/admins")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("admins").EnumerateArray().Select(a => a.Str("username")).Should().Contain(["admin", username]);
    }

    [Fact]
    public async Task Creating_an_admin_with_invalid_fields_is_400()
    {
        var admin = await _host.AdminClientAsync();
        var body = await (await admin.PostAsJsonAsync("/admin/admins", new { username = "x", password = "short", role = "Emperor of all" })).ProblemAsync(HttpStatusCode.BadRequest);
        var errors = body.GetProperty("errors");
        errors.TryGetProperty("username", out _).Should().BeTrue();
        errors.TryGetProperty("password", out _).Should().BeTrue();
        errors.TryGetProperty("role", out _).Should().BeTrue();

        // A well-formed name that is neither built in nor a role of the roles table.
        var unknown = await (await admin.PostAsJsonAsync("/admin/admins", new { username = "emperor1", password = "Emperor-pw-1", role = "emperor" })).ProblemAsync(HttpStatusCode.BadRequest);
        unknown.GetProperty("errors").TryGetProperty("role", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Only_super_admin_manages_admins_and_other_roles_may_not_act()
    {
        var super = await _host.AdminClientAsync();
        var (_, adminToken) = await _host.CreateAdminAsync(super, "admin");
        var (_, viewerToken) = await _host.CreateAdminAsync(super, "viewer");

        var plainAdmin = _host.Client(ModuleNames.Admin, adminToken);
        await (await plainAdmin.PostAsJsonAsync("/admin/admins", new { username = "sneaky1", password = "Sneaky-pw-1", role = "super_admin" })).ProblemAsync(HttpStatusCode.Forbidden);
        (await plainAdmin.GetAsync("/admin/roles")).StatusCode.Should().Be(HttpStatusCode.OK);

        var viewer = _host.Client(ModuleNames.Admin, viewerToken);
        (await viewer.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        await (await viewer.GetAsync("/admin/roles")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsJsonAsync("/admin/departments", new { name = "Viewers" })).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_last_super_admin_cannot_be_deleted_or_demoted()
    {
        // A host of its own: this test changes who the super admins are.
        await using var host = await TestHost.StartAsync();
        var super = await host.AdminClientAsync();
        var me = await (await super.GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);

        await (await super.DeleteAsync($"/admin/admins/{me.Str("id")}")).ProblemAsync(HttpStatusCode.Conflict);
        await (await super.PutAsJsonAsync($"/admin/admins/{me.Str("id")}", new { role = "admin" })).ProblemAsync(HttpStatusCode.Conflict);

        var (secondId, secondToken) = await host.CreateAdminAsync(super, "super_admin");
        (await super.DeleteAsync($"/admin/admins/{me.Str("id")}")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        // The deleted admin's token dies at once; the remaining one is now the last.
        await (await super.GetAsync("/admin/me")).ProblemAsync(HttpStatusCode.Unauthorized);
        var second = host.Client(ModuleNames.Admin, secondToken);
        await (await second.DeleteAsync($"/admin/admins/{secondId}")).ProblemAsync(HttpStatusCode.Conflict);
        await (await second.DeleteAsync($"/admin/admins/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Changing_an_admins_role_ends_its_sessions()
    {
        var super = await _host.AdminClientAsync();
        var (id, token) = await _host.CreateAdminAsync(super, "admin");
        var client = _host.Client(ModuleNames.Admin, token);
        (await client.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.OK);

        var updated = await (await super.PutAsJsonAsync($"/admin/admins/{id}", new { role = "viewer" })).JsonAsync(HttpStatusCode.OK);
        updated.Str("role").Should().Be("viewer");
        (await client.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_and_password_change_end_the_admins_tokens()
    {
        var super = await _host.AdminClientAsync();
        var (id, token) = await _host.CreateAdminAsync(super, "admin");
        var client = _host.Client(ModuleNames.Admin, token);

        var changed = await (await client.PostAsJsonAsync("/admin/me/password", new { current_password = "Second-admin-pw-1", new_password = "Changed-pw-123" })).JsonAsync(HttpStatusCode.OK);
        (await client.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var fresh = _host.Client(ModuleNames.Admin, changed.Str("token"));
        (await fresh.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.OK);

        (await fresh.PostAsync("/admin/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await fresh.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var me = await (await super.GetAsync($"/admin/admins/{id}")).JsonAsync(HttpStatusCode.OK);
        me.Str("id").Should().Be(id);
    }

    [Fact]
    public async Task Admin_tokens_survive_a_restart_and_revocations_do_too()
    {
        var directory = TestHost.NewDataDirectory();
        string token, revoked;
        var settings = new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = "Restart-admin-pw-1" };
        await using (var first = await TestHost.StartAsync(settings, directory))
        {
            token = await first.AdminTokenAsync();
            revoked = await first.AdminTokenAsync();
            var super = first.Client(ModuleNames.Admin, revoked);
            var (_, other) = await first.CreateAdminAsync(super, "admin");
            revoked = other;
            var me = await (await first.Client(ModuleNames.Admin, other).GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
            (await first.Client(ModuleNames.Admin, other).PostAsync("/admin/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
            me.Str("role").Should().Be("admin");
        }

        await using var second = await TestHost.StartAsync(settings, directory);
        (await second.Client(ModuleNames.Admin, token).GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await second.Client(ModuleNames.Admin, revoked).GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
