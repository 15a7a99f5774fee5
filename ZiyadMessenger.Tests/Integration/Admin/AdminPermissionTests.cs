using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

/// <summary>
/// Every Admin API endpoint and the permission it needs, written out here independently of the code:
/// an admin whose role lacks that permission gets 403 (problem+json naming it), one whose role holds
/// only that permission gets past authorization (whatever the request itself then answers).
/// </summary>
public sealed class AdminPermissionTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const string AnyAdmin = "(any admin)";

    public static readonly (string Method, string Path, string Permission)[] Table =
    [
        ("POST", "/admin/login", "(anyone)"),
        ("GET", "/admin/me", AnyAdmin),
        ("POST", "/admin/me/password", AnyAdmin),
        ("POST", "/admin/logout", AnyAdmin),
        ("GET", "/admin/admins", "admins.read"),
        ("GET", "/admin/admins/{id}", "admins.read"),
        ("POST", "/admin/admins", "admins.write"),
        ("PUT", "/admin/admins/{id}", "admins.write"),
        ("DELETE", "/admin/admins/{id}", "admins.write"),
        ("GET", "/admin/users", "users.read"),
        ("POST", "/admin/users", "users.write"),
        ("PUT", "/admin/users/{id}", "users.write"),
        ("DELETE", "/admin/users/{id}", "users.write"),
        ("POST", "/admin/users/{id}/reset-password", "users.write"),
        ("GET", "/admin/channels", "channels.read"),
        ("POST", "/admin/channels", "channels.write"),
        ("DELETE", "/admin/channels/{id}", "channels.write"),
        ("GET", "/admin/channels/{id}/members", "channels.read"),
        ("POST", "/admin/channels/{id}/members", "channels.write"),
        ("DELETE", "/admin/channels/{id}/members/{userId}", "channels.write"),
        ("GET", "/admin/roles", "roles.read"),
        ("POST", "/admin/roles", "roles.write"),
        ("PUT", "/admin/roles/{id}", "roles.write"),
        ("DELETE", "/admin/roles/{id}", "roles.write"),
        ("GET", "/admin/departments", "departments.read"),
        ("POST", "/admin/departments", "departments.write"),
        ("PUT", "/admin/departments/{id}", "departments.write"),
        ("DELETE", "/admin/departments/{id}", "departments.write"),
        ("GET", "/admin/devices", "devices.read"),
        ("POST", "/admin/devices", "devices.write"),
        ("PUT", "/admin/devices/{id}", "devices.write"),
        ("DELETE", "/admin/devices/{id}", "devices.write"),
        ("GET", "/admin/audit", "audit.read"),
        ("GET", "/admin/audit/verify", "audit.read"),
        ("GET", "/admin/monitoring/network", "monitoring.read"),
        ("GET", "/admin/monitoring/users", "monitoring.read"),
        ("GET", "/admin/monitoring/messages", "monitoring.read"),
        ("GET", "/admin/monitoring/files", "monitoring.read"),
        ("GET", "/admin/monitoring/system", "monitoring.read"),
        ("GET", "/admin/monitoring/overview", "monitoring.read"),
        ("GET", "/admin/ws", "monitoring.read"),
        ("GET", "/admin/system/health", "system.read"),
        ("GET", "/admin/system/metrics", "system.read"),
        ("GET", "/admin/cluster/status", "system.read"),
    ];

    private readonly TestHost _host = fixture.Host;

    [Fact]
    public void The_table_lists_every_admin_endpoint_with_the_permission_the_code_requires()
    {
        var mapped = ((IEndpointRouteBuilder)_host.App).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ModuleEndpointMetadata>()?.Module == ModuleNames.Admin)
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => (Method: m, Path: e.RoutePattern.RawText!, Permission: e.Metadata.GetMetadata<RequiredPermission>()?.Permission)))
            .ToList();

        mapped.Select(e => (e.Method, e.Path)).Should().BeEquivalentTo(Table.Select(t => (t.Method, t.Path)), "every Admin API endpoint is in the table, and nothing else");
        foreach (var (method, path, permission) in mapped)
        {
            var expected = Table.Single(t => t.Method == method && t.Path == path).Permission;
            (permission ?? (expected.StartsWith('(') ? expected : "(none)")).Should().Be(expected, $"{method} {path} needs {expected}");
        }

        Table.Select(t => t.Permission).Where(p => !p.StartsWith('(')).Distinct().Should().BeEquivalentTo(AdminPermission.All, "every permission guards something");
    }

    [Fact]
    public async Task Without_its_permission_every_endpoint_is_403_and_with_only_that_permission_it_is_not()
    {
        var super = await _host.AdminClientAsync();
        var lacking = new Dictionary<string, HttpClient>();
        var holding = new Dictionary<string, HttpClient>();
        foreach (var permission in AdminPermission.All)
        {
            lacking[permission] = await AdminWithPermissionsAsync(super, "lacks-" + permission, AdminPermission.All.Where(p => p != permission).ToArray());
            holding[permission] = await AdminWithPermissionsAsync(super, "only-" + permission, [permission]);
        }

        var failures = new List<string>();
        foreach (var (method, path, permission) in Table.Where(t => !t.Permission.StartsWith('(')))
        {
            using (var denied = await SendAsync(lacking[permission], method, path))
            {
                var body = await denied.Content.ReadAsStringAsync();
                if (denied.StatusCode != HttpStatusCode.Forbidden || denied.Content.Headers.ContentType?.MediaType != "application/problem+json" || !body.Contains($"\"permission\":\"{permission}\""))
                {
                    failures.Add($"{method} {path} without {permission}: {(int)denied.StatusCode} {body}");
                }
            }

            using var allowed = await SendAsync(holding[permission], method, path);
            if (allowed.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.InternalServerError)
            {
                failures.Add($"{method} {path} with only {permission}: {(int)allowed.StatusCode} {await allowed.Content.ReadAsStringAsync()}");
            }
        }

        failures.Should().BeEmpty();
    }

    [Fact]
    public async Task Any_admin_may_use_its_own_account_endpoints_and_me_lists_its_permissions()
    {
        var super = await _host.AdminClientAsync();
        var (_, viewerToken) = await _host.CreateAdminAsync(super, "viewer");
        var viewer = _host.Client(ModuleNames.Admin, viewerToken);

        var me = await (await viewer.GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
        me.GetProperty("permissions").GetArrayLength().Should().Be(0);
        var superMe = await (await super.GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
        superMe.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Should().BeEquivalentTo(AdminPermission.All);

        var helpdesk = await AdminWithPermissionsAsync(super, "helpdesk" + Guid.NewGuid().ToString("N")[..6], ["users.read", "users.write", "messages.send"]);
        var helpdeskMe = await (await helpdesk.GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
        helpdeskMe.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Should().BeEquivalentTo("users.read", "users.write");

        // A wrong current password is the request's own 400, not an authorization failure.
        await (await viewer.PostAsJsonAsync("/admin/me/password", new { current_password = "Not-the-password-1", new_password = "Whatever-pw-12" })).ProblemAsync(HttpStatusCode.BadRequest);
        (await viewer.PostAsync("/admin/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task An_admin_cannot_grant_permissions_it_does_not_hold()
    {
        var super = await _host.AdminClientAsync();
        var roleKeeper = await AdminWithPermissionsAsync(super, "keeper" + Guid.NewGuid().ToString("N")[..6], ["roles.read", "roles.write", "admins.read", "admins.write"]);
        var name = "grab" + Guid.NewGuid().ToString("N")[..6];

        var tooMuch = await (await roleKeeper.PostAsJsonAsync("/admin/roles", new { name, permissions = new[] { "roles.write", "audit.read" } })).ProblemAsync(HttpStatusCode.Forbidden);
        tooMuch.Str("error").Should().Contain("audit.read");
        var role = await (await roleKeeper.PostAsJsonAsync("/admin/roles", new { name, permissions = new[] { "roles.read", "messages.send" } })).JsonAsync(HttpStatusCode.Created);
        await (await roleKeeper.PutAsJsonAsync($"/admin/roles/{role.Str("id")}", new { permissions = new[] { "users.write" } })).ProblemAsync(HttpStatusCode.Forbidden);

        // admins.write alone does not make super_admins: that role holds more than the caller.
        await (await roleKeeper.PostAsJsonAsync("/admin/admins", new { username = "climber" + Guid.NewGuid().ToString("N")[..6], password = "Climber-pw-1", role = "super_admin" }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        (await roleKeeper.PostAsJsonAsync("/admin/admins", new { username = "peer" + Guid.NewGuid().ToString("N")[..6], password = "Peer-pw-123", role = name }))
            .StatusCode.Should().Be(HttpStatusCode.Created);

        // The role is now held by an admin: it stays.
        await (await super.DeleteAsync($"/admin/roles/{role.Str("id")}")).ProblemAsync(HttpStatusCode.Conflict);
    }

    private async Task<HttpClient> AdminWithPermissionsAsync(HttpClient super, string roleName, string[] permissions)
    {
        (await super.PostAsJsonAsync("/admin/roles", new { name = roleName, permissions })).StatusCode.Should().Be(HttpStatusCode.Created);
        var (_, token) = await _host.CreateAdminAsync(super, roleName);
        return _host.Client(ModuleNames.Admin, token);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        var url = path.Replace("{id}", Guid.NewGuid().ToString()).Replace("{userId}", Guid.NewGuid().ToString());
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request);
    }
}
