using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>What other modules do ends up in the audit log, without secrets.</summary>
public abstract class AuditRecordingBehaviour(StoreHostFixture fixture)
{
    /// <summary>Skips the test (with the reason) when the fixture's store is not available here.</summary>
    private TestHost Server => fixture.Require();

    [SkippableFact]
    public async Task A_login_is_recorded_and_found_through_get_log()
    {
        var user = await Server.CreateUserAsync();
        var admin = await Server.AdminTokenAsync();

        var logins = await WaitForEntriesAsync(Server, admin, $"?actor={user.Id}&action=auth.login");

        var login = logins.Single();
        login.GetProperty("target_resource").GetString().Should().Be("user:" + user.Id);
        var details = JsonDocument.Parse(login.GetProperty("details").GetString()!).RootElement;
        details.GetProperty("username").GetString().Should().Be(user.Username);
        details.GetProperty("client_ip").GetString().Should().Be("127.0.0.1");
        var registered = await WaitForEntriesAsync(Server, admin, $"?actor={user.Id}&action=auth.register");
        registered.Single().GetProperty("id").GetInt64().Should().BeLessThan(login.GetProperty("id").GetInt64());
    }

    [SkippableFact]
    public async Task A_failed_login_is_recorded_with_the_username_and_never_the_password()
    {
        var user = await Server.CreateUserAsync();
        var wrongPassword = "Wrong-" + Guid.NewGuid().ToString("N");
        var response = await Server.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = wrongPassword });
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var admin = await Server.AdminTokenAsync();

        var failures = await WaitForEntriesAsync(Server, admin, $"?action=auth.login_failed&actor=anonymous");

        var failure = failures.Single(e => e.GetProperty("details").GetString()!.Contains(user.Username));
        var details = JsonDocument.Parse(failure.GetProperty("details").GetString()!).RootElement;
        details.GetProperty("reason").GetString().Should().Be("wrong_password");
        var everything = await AllEntriesTextAsync(admin);
        everything.Should().NotContain(wrongPassword).And.NotContain(user.Password).And.NotContain(user.Token);
    }

    [SkippableFact]
    public async Task Password_changes_and_logouts_are_recorded_without_the_passwords()
    {
        var user = await Server.CreateUserAsync();
        var newPassword = "New-" + Guid.NewGuid().ToString("N");
        using (var auth = Server.Client(ModuleNames.Auth, user.Token))
        {
            (await auth.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = newPassword }))
                .StatusCode.Should().Be(HttpStatusCode.NoContent);
            (await auth.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        var admin = await Server.AdminTokenAsync();
        await WaitForEntriesAsync(Server, admin, $"?actor={user.Id}&action=auth.password_changed");
        await WaitForEntriesAsync(Server, admin, $"?actor={user.Id}&action=auth.logout");
        var everything = await AllEntriesTextAsync(admin);
        everything.Should().NotContain(newPassword).And.NotContain(user.Password);
    }

    public static TheoryData<string> Notifications() => new()
    {
        nameof(UserCreated), nameof(UserUpdated), nameof(UserDeleted), nameof(UserPasswordReset),
        nameof(AdminActionPerformed), nameof(AdminLoginSucceeded), nameof(AdminLoginFailed),
        nameof(ChannelCreated), nameof(ChannelDeleted), nameof(MemberAdded), nameof(MemberRemoved),
        nameof(FileUploaded), nameof(FileDownloaded), nameof(NodeJoined),
    };

    /// <summary>
    /// Every module's notification, published on the real bus as its module publishes it, becomes an
    /// entry with the right actor, action and target.
    /// </summary>
    [SkippableTheory]
    [MemberData(nameof(Notifications))]
    public async Task Each_modules_notification_becomes_an_entry(string kind)
    {
        var actor = "actor-" + Guid.NewGuid().ToString("N")[..12];
        var target = Guid.NewGuid().ToString();
        var user = new UserInfo(target, "someone", "Some One", "member", null, true, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null);
        var channel = new ChannelInfo(target, "ops", ChannelTypes.Private, null, DateTimeOffset.UtcNow, 0, 0);
        var (notification, action, expectedActor, expectedTarget) = kind switch
        {
            nameof(UserCreated) => ((INotification)new UserCreated(user, actor), "user.created", actor, "user:" + target),
            nameof(UserUpdated) => (new UserUpdated(user, actor), "user.updated", actor, "user:" + target),
            nameof(UserDeleted) => (new UserDeleted(target, "someone", actor), "user.deleted", actor, "user:" + target),
            nameof(UserPasswordReset) => (new UserPasswordReset(target, actor), "user.password_reset", actor, "user:" + target),
            nameof(AdminActionPerformed) => (new AdminActionPerformed(actor, "root", "role.create", "role:" + target, "name=editors"),
                "admin.role.create", actor, "role:" + target),
            nameof(AdminLoginSucceeded) => (new AdminLoginSucceeded(actor, "root", "10.0.0.9"), "admin.login", actor, "admin:" + actor),
            nameof(AdminLoginFailed) => (new AdminLoginFailed(target, "wrong_password", "10.0.0.9"), "admin.login_failed", "anonymous",
                "admin_username:" + target),
            nameof(ChannelCreated) => (new ChannelCreated(channel, actor), "channel.created", actor, "channel:" + target),
            nameof(ChannelDeleted) => (new ChannelDeleted(target, "ops", actor), "channel.deleted", actor, "channel:" + target),
            nameof(MemberAdded) => (new MemberAdded(target, "u-1", "member", actor), "channel.member_added", actor, "channel:" + target),
            nameof(MemberRemoved) => (new MemberRemoved(target, "u-1", actor), "channel.member_removed", actor, "channel:" + target),
            nameof(FileUploaded) => (new FileUploaded(target, "report.pdf", 1234, "application/pdf", actor), "file.uploaded", actor, "file:" + target),
            nameof(FileDownloaded) => (new FileDownloaded(target, actor, true, 1234), "file.downloaded", actor, "file:" + target),
            nameof(NodeJoined) => (new NodeJoined(target, "10.0.0.7:8085"), "cluster.node_joined", "node:" + target, "node:" + target),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        await using (var scope = Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(notification);
        }

        var admin = await Server.AdminTokenAsync();
        var entries = await WaitForEntriesAsync(Server, admin, $"?action={action}&actor={Uri.EscapeDataString(expectedActor)}");
        entries.Should().Contain(e => e.GetProperty("target_resource").GetString() == expectedTarget);
    }

    [SkippableFact]
    public async Task An_overlong_admin_action_is_clipped_to_the_limits_rather_than_lost()
    {
        var adminId = "admin-" + Guid.NewGuid().ToString("N")[..12];
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IPublisher>().Publish(
                new AdminActionPerformed(adminId, "root", "weird action/" + new string('x', 100), new string('t', 300), new string('d', 10_000)));
        }

        var admin = await Server.AdminTokenAsync();
        var entry = (await WaitForEntriesAsync(Server, admin, $"?actor={adminId}")).Single();
        entry.GetProperty("action").GetString().Should().MatchRegex("^admin\\.weird_action_x+$").And.HaveLength(64);
        entry.GetProperty("target_resource").GetString().Should().HaveLength(128);
        entry.GetProperty("details").GetString()!.Length.Should().Be(4096);
    }

    private async Task<string> AllEntriesTextAsync(string admin)
    {
        var text = new System.Text.StringBuilder();
        for (var offset = 0; ; offset += 500)
        {
            var page = await QueryAsync(Server, admin, $"?limit=500&offset={offset}");
            text.Append(page.GetProperty("entries").GetRawText());
            if (page.GetProperty("next_offset").ValueKind == JsonValueKind.Null)
            {
                return text.ToString();
            }
        }
    }
}

public sealed class AuditRecordingOnSqlite(SqliteHostFixture fixture) : AuditRecordingBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class AuditRecordingOnPostgres(PostgresHostFixture fixture) : AuditRecordingBehaviour(fixture), IClassFixture<PostgresHostFixture>;
