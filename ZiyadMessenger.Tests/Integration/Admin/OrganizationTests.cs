using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class OrganizationTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Roles_are_listed_created_updated_and_deleted_with_their_permissions()
    {
        var admin = await _host.AdminClientAsync();
        var initial = await (await admin.GetAsync("/admin/roles")).JsonAsync(HttpStatusCode.OK);
        initial.GetProperty("roles").EnumerateArray().Select(r => r.Str("name")).Should().Contain("member");
        var known = initial.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).ToList();
        known.Should().Contain("messages.send");

        var name = NewName("mgr");
        var created = await (await admin.PostAsJsonAsync("/admin/roles", new { name, description = "Managers", permissions = new[] { "messages.send", "channels.create" } }))
            .JsonAsync(HttpStatusCode.Created);
        created.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Should().BeEquivalentTo(["messages.send", "channels.create"]);
        var id = created.Str("id");

        var updated = await (await admin.PutAsJsonAsync($"/admin/roles/{id}", new { permissions = new[] { "files.upload" } })).JsonAsync(HttpStatusCode.OK);
        updated.Str("name").Should().Be(name);
        updated.Str("description").Should().Be("Managers");
        updated.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Should().Equal("files.upload");

        (await admin.DeleteAsync($"/admin/roles/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var after = await (await admin.GetAsync("/admin/roles")).JsonAsync(HttpStatusCode.OK);
        after.GetProperty("roles").EnumerateArray().Select(r => r.Str("id")).Should().NotContain(id);
    }

    [Fact]
    public async Task Role_rules_duplicates_409_bad_fields_400_unknown_404_and_held_roles_cannot_go()
    {
        var admin = await _host.AdminClientAsync();
        var name = NewName("ops");
        var role = await (await admin.PostAsJsonAsync("/admin/roles", new { name })).JsonAsync(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/admin/roles", new { name = name.ToUpperInvariant() })).ProblemAsync(HttpStatusCode.Conflict);

        var bad = await (await admin.PostAsJsonAsync("/admin/roles", new { name = "has space", permissions = new[] { "launch.missiles" } })).ProblemAsync(HttpStatusCode.BadRequest);
        bad.GetProperty("errors").TryGetProperty("name", out _).Should().BeTrue();
        bad.GetProperty("errors").TryGetProperty("permissions", out _).Should().BeTrue();
        await (await admin.PostAsJsonAsync("/admin/roles", new { name = "super_admin" })).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostAsJsonAsync("/admin/roles", new { name = NewName("x"), permissions = "messages.send" })).ProblemAsync(HttpStatusCode.BadRequest);

        await (await admin.PutAsJsonAsync($"/admin/roles/{Guid.NewGuid()}", new { description = "x" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await admin.DeleteAsync($"/admin/roles/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound);

        // A role someone holds stays; renaming it carries the new name to its holders.
        var user = await (await admin.PostAsJsonAsync("/admin/users", new { username = NewName("holder"), password = "Holder-pass-1", role_id = role.Str("id") })).JsonAsync(HttpStatusCode.Created);
        user.Str("role").Should().Be(name);
        await (await admin.DeleteAsync($"/admin/roles/{role.Str("id")}")).ProblemAsync(HttpStatusCode.Conflict);
        var renamed = NewName("ops");
        (await admin.PutAsJsonAsync($"/admin/roles/{role.Str("id")}", new { name = renamed })).StatusCode.Should().Be(HttpStatusCode.OK);
        var list = await (await admin.GetAsync($"/admin/users?search={user.Str("username")}")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("users")[0].Str("role").Should().Be(renamed);
    }

    [Fact]
    public async Task Departments_crud_with_conflicts_and_deleting_one_clears_its_users()
    {
        var admin = await _host.AdminClientAsync();
        var name = NewName("Finance ");
        var department = await (await admin.PostAsJsonAsync("/admin/departments", new { name, description = "Money" })).JsonAsync(HttpStatusCode.Created);
        var id = department.Str("id");
        await (await admin.PostAsJsonAsync("/admin/departments", new { name = name.ToLowerInvariant() })).ProblemAsync(HttpStatusCode.Conflict);
        await (await admin.PostAsJsonAsync("/admin/departments", new { name = "   " })).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostAsJsonAsync("/admin/departments", new { name = new string('d', 81) })).ProblemAsync(HttpStatusCode.BadRequest);

        var other = await (await admin.PostAsJsonAsync("/admin/departments", new { name = NewName("Sales ") })).JsonAsync(HttpStatusCode.Created);
        await (await admin.PutAsJsonAsync($"/admin/departments/{other.Str("id")}", new { name })).ProblemAsync(HttpStatusCode.Conflict);
        var updated = await (await admin.PutAsJsonAsync($"/admin/departments/{id}", new { description = "Accounts" })).JsonAsync(HttpStatusCode.OK);
        updated.Str("name").Should().Be(name);
        updated.Str("description").Should().Be("Accounts");

        var user = await (await admin.PostAsJsonAsync("/admin/users", new { username = NewName("fin"), password = "Finance-pass-1", department_id = id })).JsonAsync(HttpStatusCode.Created);
        (await admin.DeleteAsync($"/admin/departments/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var list = await (await admin.GetAsync($"/admin/users?search={user.Str("username")}")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("users")[0].GetProperty("department_id").ValueKind.Should().Be(JsonValueKind.Null);
        await (await admin.DeleteAsync($"/admin/departments/{id}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Devices_crud_with_unique_identifiers_and_a_real_assigned_user()
    {
        var admin = await _host.AdminClientAsync();
        var user = await _host.CreateUserAsync();
        var identifier = NewName("PC-");
        var device = await (await admin.PostAsJsonAsync("/admin/devices", new { name = "Front desk", kind = "desktop", identifier, user_id = user.Id }))
            .JsonAsync(HttpStatusCode.Created);
        device.Str("user_id").Should().Be(user.Id);
        device.GetProperty("is_active").GetBoolean().Should().BeTrue();
        var id = device.Str("id");

        await (await admin.PostAsJsonAsync("/admin/devices", new { name = "Clone", kind = "laptop", identifier = identifier.ToLowerInvariant() })).ProblemAsync(HttpStatusCode.Conflict);
        var bad = await (await admin.PostAsJsonAsync("/admin/devices", new { name = "", kind = "toaster", identifier = "" })).ProblemAsync(HttpStatusCode.BadRequest);
        bad.GetProperty("errors").TryGetProperty("kind", out _).Should().BeTrue();
        await (await admin.PostAsJsonAsync("/admin/devices", new { name = "Ghost", kind = "phone", identifier = NewName("ph-"), user_id = "no-such-user" })).ProblemAsync(HttpStatusCode.BadRequest);

        var updated = await (await admin.PutAsJsonAsync($"/admin/devices/{id}", new Dictionary<string, object?> { ["is_active"] = false, ["user_id"] = null }))
            .JsonAsync(HttpStatusCode.OK);
        updated.GetProperty("is_active").GetBoolean().Should().BeFalse();
        updated.GetProperty("user_id").ValueKind.Should().Be(JsonValueKind.Null);
        updated.Str("identifier").Should().Be(identifier);

        var list = await (await admin.GetAsync("/admin/devices")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("devices").EnumerateArray().Select(d => d.Str("id")).Should().Contain(id);
        list.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()).Should().Contain("desktop");

        (await admin.DeleteAsync($"/admin/devices/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await admin.DeleteAsync($"/admin/devices/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PutAsJsonAsync($"/admin/devices/{id}", new { name = "x" })).ProblemAsync(HttpStatusCode.NotFound);
    }
}
