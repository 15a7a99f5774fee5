using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Files;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>What people do through the other modules' APIs shows up in the audit log, without secrets.</summary>
public abstract class AuditAcrossModulesBehaviour(StoreHostFixture fixture)
{
    /// <summary>Skips the test (with the reason) when the fixture's store is not available here.</summary>
    private TestHost Server => fixture.Require();

    private async Task<(string Token, string Id)> AdminAsync()
    {
        var token = await Server.AdminTokenAsync();
        using var admin = Server.Client(ModuleNames.Admin, token);
        var me = await admin.GetFromJsonAsync<JsonElement>("/admin/me");
        var id = me.TryGetProperty("user", out var user) ? user.GetProperty("id").GetString()! : me.GetProperty("id").GetString()!;
        return (token, id);
    }

    [SkippableFact]
    public async Task Admin_logins_and_failed_admin_logins_are_recorded()
    {
        var (token, adminId) = await AdminAsync();
        var wrong = "Not-it-" + Guid.NewGuid().ToString("N");
        (await Server.Client(ModuleNames.Admin).PostAsJsonAsync("/admin/login", new { username = "admin", password = wrong }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        await WaitForEntriesAsync(Server, token, $"?action=admin.login&actor={adminId}");
        var failed = await WaitForEntriesAsync(Server, token, "?action=admin.login_failed&actor=anonymous");
        failed.Should().Contain(e => e.GetProperty("target_resource").GetString() == "admin_username:admin");
        (await AllText(token)).Should().NotContain(wrong).And.NotContain(Server.AdminPassword).And.NotContain(token);
    }

    [SkippableFact]
    public async Task User_administration_is_recorded_with_the_admin_as_actor_and_no_passwords()
    {
        var (token, adminId) = await AdminAsync();
        using var admin = Server.Client(ModuleNames.Admin, token);
        var username = "aud_" + Guid.NewGuid().ToString("N")[..8];
        var initialPassword = "Initial-" + Guid.NewGuid().ToString("N");
        var created = await admin.PostAsJsonAsync("/admin/users", new { username, full_name = "Audited Person", password = initialPassword });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var userId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var reset = await admin.PostAsync($"/admin/users/{userId}/reset-password", null);
        reset.StatusCode.Should().Be(HttpStatusCode.OK);
        var temporary = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporary_password").GetString()!;
        (await admin.DeleteAsync($"/admin/users/{userId}")).IsSuccessStatusCode.Should().BeTrue();

        foreach (var action in new[] { "user.created", "user.password_reset", "user.deleted" })
        {
            var entries = await WaitForEntriesAsync(Server, token, $"?action={action}&actor={adminId}");
            entries.Should().Contain(e => e.GetProperty("target_resource").GetString() == "user:" + userId, action);
        }

        await WaitForEntriesAsync(Server, token, $"?action=admin.user.*&actor={adminId}", atLeast: 3);
        var everything = await AllText(token);
        everything.Should().NotContain(initialPassword).And.NotContain(temporary);
    }

    [SkippableFact]
    public async Task Channel_and_membership_changes_are_recorded()
    {
        var (token, adminId) = await AdminAsync();
        using var admin = Server.Client(ModuleNames.Admin, token);
        var member = await Server.CreateUserAsync();
        var created = await admin.PostAsJsonAsync("/admin/channels", new { name = "audit-" + Guid.NewGuid().ToString("N")[..8], type = "private" });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        var channelId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        (await admin.PostAsJsonAsync($"/admin/channels/{channelId}/members", new { user_id = member.Id, role = "member" })).IsSuccessStatusCode.Should().BeTrue();
        (await admin.DeleteAsync($"/admin/channels/{channelId}/members/{member.Id}")).IsSuccessStatusCode.Should().BeTrue();
        (await admin.DeleteAsync($"/admin/channels/{channelId}")).IsSuccessStatusCode.Should().BeTrue();

        foreach (var action in new[] { "channel.created", "channel.member_added", "channel.member_removed", "channel.deleted" })
        {
            var entries = await WaitForEntriesAsync(Server, token, $"?action={action}&actor={adminId}");
            entries.Should().Contain(e => e.GetProperty("target_resource").GetString() == "channel:" + channelId, action);
        }

        var added = (await WaitForEntriesAsync(Server, token, $"?action=channel.member_added&actor={adminId}"))
            .First(e => e.GetProperty("target_resource").GetString() == "channel:" + channelId);
        added.GetProperty("details").GetString().Should().Contain(member.Id);
    }

    [SkippableFact]
    public async Task Uploads_and_downloads_are_recorded_and_the_file_key_never_is()
    {
        var user = await Server.CreateUserAsync();
        var uploaded = await Server.UploadAsync(user.Token, Encoding.UTF8.GetBytes("quarterly numbers"), "q3.txt", "text/plain");
        using (var files = Server.Client(ModuleNames.Files, user.Token))
        {
            (await files.GetAsync($"/download?id={uploaded.FileId}&key={uploaded.Key}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var (token, _) = await AdminAsync();
        var upload = (await WaitForEntriesAsync(Server, token, $"?action=file.uploaded&actor={user.Id}")).Single();
        upload.GetProperty("target_resource").GetString().Should().Be("file:" + uploaded.FileId);
        upload.GetProperty("details").GetString().Should().Contain("q3.txt");
        var download = (await WaitForEntriesAsync(Server, token, $"?action=file.downloaded&actor={user.Id}")).Single();
        JsonDocument.Parse(download.GetProperty("details").GetString()!).RootElement.GetProperty("decrypted").GetBoolean().Should().BeTrue();
        (await AllText(token)).Should().NotContain(uploaded.Key).And.NotContain(uploaded.Key.ToUpperInvariant());
    }

    [SkippableFact]
    public async Task Individual_messages_are_not_recorded()
    {
        var user = await Server.CreateUserAsync();
        using var messaging = Server.Client(ModuleNames.Messaging, user.Token);
        var sent = await messaging.PostAsJsonAsync("/send", new
        {
            channel_id = "general", type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes("hello")), nonce = (string?)null, signature = (string?)null,
        });
        sent.StatusCode.Should().Be(HttpStatusCode.OK);
        var messageId = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message_id").GetString()!;
        // Something recorded after the send, to know the writer has caught up past it.
        var (token, _) = await AdminAsync();
        var marker = await RecordAsync(Server, user.Token, new { action = Unique("marker") });
        await WaitForEntriesAsync(Server, token, $"?action={marker.GetProperty("action").GetString()}");

        (await AllText(token)).Should().NotContain(messageId);
        (await QueryAsync(Server, token, $"?actor={user.Id}&action=message.*")).GetProperty("total").GetInt64().Should().Be(0);
    }

    private async Task<string> AllText(string adminToken)
    {
        var text = new StringBuilder();
        for (var offset = 0; ; offset += 500)
        {
            var page = await QueryAsync(Server, adminToken, $"?limit=500&offset={offset}");
            text.Append(page.GetProperty("entries").GetRawText());
            if (page.GetProperty("next_offset").ValueKind == JsonValueKind.Null)
            {
                return text.ToString();
            }
        }
    }
}

public sealed class AuditAcrossModulesOnSqlite(SqliteHostFixture fixture) : AuditAcrossModulesBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class AuditAcrossModulesOnPostgres(PostgresHostFixture fixture) : AuditAcrossModulesBehaviour(fixture), IClassFixture<PostgresHostFixture>;
