using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

public sealed class ChannelAdminTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_private_channel_with_a_member_added_by_the_admin_is_usable_by_that_member_only()
    {
        var admin = await _host.AdminClientAsync();
        var member = await _host.CreateUserAsync();
        var outsider = await _host.CreateUserAsync();

        var channel = await (await admin.PostAsJsonAsync("/admin/channels", new { name = NewName("proj-"), type = "private" })).JsonAsync(HttpStatusCode.Created);
        channel.Str("type").Should().Be("private");
        var id = channel.Str("id");

        var added = await (await admin.PostAsJsonAsync($"/admin/channels/{id}/members", new { user_id = member.Id, role = "member" })).JsonAsync(HttpStatusCode.Created);
        added.Str("user_id").Should().Be(member.Id);
        added.Str("username").Should().Be(member.Username);

        var members = await (await admin.GetAsync($"/admin/channels/{id}/members")).JsonAsync(HttpStatusCode.OK);
        members.GetProperty("members").EnumerateArray().Select(m => m.Str("user_id")).Should().Contain(member.Id).And.NotContain(outsider.Id);

        var content = Convert.ToBase64String(Encoding.UTF8.GetBytes("hi team"));
        var send = await _host.Client(ModuleNames.Messaging, member.Token).PostAsJsonAsync("/send", new { channel_id = id, type = 1, content, nonce = "", signature = "" });
        send.StatusCode.Should().Be(HttpStatusCode.OK);
        var denied = await _host.Client(ModuleNames.Messaging, outsider.Token).PostAsJsonAsync("/send", new { channel_id = id, type = 1, content, nonce = "", signature = "" });
        denied.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        var list = await (await admin.GetAsync("/admin/channels")).JsonAsync(HttpStatusCode.OK);
        list.GetProperty("channels").EnumerateArray().Select(c => c.Str("id")).Should().Contain([id, "general"]);

        (await admin.DeleteAsync($"/admin/channels/{id}/members/{member.Id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        var after = await _host.Client(ModuleNames.Messaging, member.Token).PostAsJsonAsync("/send", new { channel_id = id, type = 1, content, nonce = "", signature = "" });
        after.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        (await admin.DeleteAsync($"/admin/channels/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await admin.GetAsync($"/admin/channels/{id}/members")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Channel_rules_duplicates_409_bad_fields_400_unknown_ids_404()
    {
        var admin = await _host.AdminClientAsync();
        var name = NewName("dup-");
        (await admin.PostAsJsonAsync("/admin/channels", new { name, type = "public" })).StatusCode.Should().Be(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync("/admin/channels", new { name = name.ToUpperInvariant(), type = "public" })).ProblemAsync(HttpStatusCode.Conflict);

        var bad = await (await admin.PostAsJsonAsync("/admin/channels", new { name = "", type = "secret" })).ProblemAsync(HttpStatusCode.BadRequest);
        bad.GetProperty("errors").TryGetProperty("type", out _).Should().BeTrue();
        await (await admin.PostAsJsonAsync("/admin/channels", new { name = NewName("d-"), type = "public", department_id = "missing" })).ProblemAsync(HttpStatusCode.BadRequest);

        await (await admin.DeleteAsync($"/admin/channels/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/admin/channels/{Guid.NewGuid()}/members", new { user_id = "x" })).ProblemAsync(HttpStatusCode.NotFound);

        var channel = await (await admin.PostAsJsonAsync("/admin/channels", new { name = NewName("m-"), type = "private" })).JsonAsync(HttpStatusCode.Created);
        await (await admin.PostAsJsonAsync($"/admin/channels/{channel.Str("id")}/members", new { user_id = Guid.NewGuid().ToString() })).ProblemAsync(HttpStatusCode.NotFound);
        var user = await _host.CreateUserAsync();
        await (await admin.PostAsJsonAsync($"/admin/channels/{channel.Str("id")}/members", new { user_id = user.Id, role = "emperor" })).ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Adding_a_member_takes_effect_for_a_connected_socket_at_once()
    {
        var admin = await _host.AdminClientAsync();
        var member = await _host.CreateUserAsync();
        var sender = await _host.CreateUserAsync();
        var channel = await (await admin.PostAsJsonAsync("/admin/channels", new { name = NewName("live-"), type = "private" })).JsonAsync(HttpStatusCode.Created);
        var id = channel.Str("id");
        (await admin.PostAsJsonAsync($"/admin/channels/{id}/members", new { user_id = sender.Id })).StatusCode.Should().Be(HttpStatusCode.Created);

        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(_host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={member.Token}"), CancellationToken.None);
        (await admin.PostAsJsonAsync($"/admin/channels/{id}/members", new { user_id = member.Id })).StatusCode.Should().Be(HttpStatusCode.Created);

        var content = Convert.ToBase64String(Encoding.UTF8.GetBytes("welcome"));
        (await _host.Client(ModuleNames.Messaging, sender.Token).PostAsJsonAsync("/send", new { channel_id = id, type = 1, content, nonce = "", signature = "" }))
            .StatusCode.Should().Be(HttpStatusCode.OK);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            var message = JsonDocument.Parse(buffer.AsMemory(0, result.Count)).RootElement;
            if (message.TryGetProperty("channel_id", out var channelId) && channelId.GetString() == id)
            {
                message.Str("content").Should().Be(content);
                break;
            }
        }
    }
}
