using System.Net;
using System.Net.Http.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class AuditBrowseTests
{
    [Fact]
    public async Task Every_admin_action_is_audited_with_the_admins_id_and_can_be_filtered_and_paged()
    {
        await using var host = await TestHost.StartAsync();
        var admin = await host.AdminClientAsync();
        var me = await (await admin.GetAsync("/admin/me")).JsonAsync(HttpStatusCode.OK);
        var adminId = me.Str("id");

        var user = await (await admin.PostAsJsonAsync("/admin/users", new { username = "audited1", password = "Audited-pass-1" })).JsonAsync(HttpStatusCode.Created);
        (await admin.PutAsJsonAsync($"/admin/users/{user.Str("id")}", new { full_name = "Audited One" })).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/admin/users/{user.Str("id")}/reset-password", null)).EnsureSuccessStatusCode();
        var channel = await (await admin.PostAsJsonAsync("/admin/channels", new { name = "audited-room", type = "private" })).JsonAsync(HttpStatusCode.Created);
        (await admin.PostAsJsonAsync($"/admin/channels/{channel.Str("id")}/members", new { user_id = user.Str("id") })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/roles", new { name = "audited-role" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/departments", new { name = "Audited dept" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/devices", new { name = "Audited PC", kind = "desktop", identifier = "AUD-1" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/admin/admins", new { username = "audited_admin", password = "Audited-admin-1", role = "admin" })).EnsureSuccessStatusCode();
        (await admin.DeleteAsync($"/admin/users/{user.Str("id")}")).EnsureSuccessStatusCode();

        string[] expected =
        [
            "admin.user.create", "admin.user.update", "admin.user.reset_password", "admin.channel.create",
            "admin.channel.member_add", "admin.role.create", "admin.department.create", "admin.device.create",
            "admin.admin.create", "admin.user.delete",
        ];
        var entries = await WaitForAsync(admin, $"/admin/audit?actor_id={adminId}&limit=200", page =>
            expected.All(a => page.GetProperty("entries").EnumerateArray().Any(e => e.Str("action") == a)));
        foreach (var entry in entries.GetProperty("entries").EnumerateArray())
        {
            entry.Str("actor_id").Should().Be(adminId);
            entry.Str("actor_name").Should().Be("admin:admin");
        }

        entries.GetRawText().Should().NotContain("Audited-pass-1").And.NotContain("Audited-admin-1");

        var filtered = await (await admin.GetAsync("/admin/audit?action=admin.channel.create")).JsonAsync(HttpStatusCode.OK);
        filtered.GetProperty("entries").EnumerateArray().Should().OnlyContain(e => e.Str("action") == "admin.channel.create");
        filtered.GetProperty("total").GetInt64().Should().Be(1);

        var paged = await (await admin.GetAsync($"/admin/audit?actor_id={adminId}&offset=2&limit=3")).JsonAsync(HttpStatusCode.OK);
        paged.GetProperty("entries").GetArrayLength().Should().Be(3);
        paged.GetProperty("total").GetInt64().Should().Be(entries.GetProperty("total").GetInt64());

        var future = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        var none = await (await admin.GetAsync($"/admin/audit?from={Uri.EscapeDataString(future)}")).JsonAsync(HttpStatusCode.OK);
        none.GetProperty("total").GetInt64().Should().Be(0);

        await (await admin.GetAsync("/admin/audit?from=yesterday")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("/admin/audit?limit=0")).ProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync($"/admin/audit?from={Uri.EscapeDataString(future)}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}")).ProblemAsync(HttpStatusCode.BadRequest);
        (await host.Client(ModuleNames.Admin).GetAsync("/admin/audit")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var verify = await (await admin.GetAsync("/admin/audit/verify")).JsonAsync(HttpStatusCode.OK);
        verify.GetProperty("intact").GetBoolean().Should().BeTrue();
    }

    private static async Task<System.Text.Json.JsonElement> WaitForAsync(HttpClient admin, string url, Func<System.Text.Json.JsonElement, bool> done)
    {
        // Audit writes in the background after the action is acknowledged.
        for (var i = 0; ; i++)
        {
            var page = await (await admin.GetAsync(url)).JsonAsync(HttpStatusCode.OK);
            if (done(page) || i == 50)
            {
                done(page).Should().BeTrue($"all admin actions should be audited; got {page}");
                return page;
            }

            await Task.Delay(100);
        }
    }
}
