using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>What the multi-node tests do on a node, through its public ports only (no in-process bus: each node is another process).</summary>
internal static class MultiNodeApi
{
    /// <summary>CONTRACT §6: logout, password change, reset, deactivation, deletion and membership changes act on every node within this.</summary>
    public static readonly TimeSpan Propagation = TimeSpan.FromSeconds(2);

    public static HttpClient Messaging(this ClusterNode node, TestUser user) => node.Client(ModuleNames.Messaging, user.Token);

    public static Task<WsClient> ConnectAsync(this ClusterNode node, string token, int version = 2) =>
        WsClient.ConnectAsync(node.WebSocket(token, version));

    public static Task<WsClient> ConnectAsync(this ClusterNode node, TestUser user, int version = 2) => node.ConnectAsync(user.Token, version);

    /// <summary>
    /// A private channel made by the admin on <paramref name="node"/>, with these members; returns once
    /// the change may have reached every node (membership changes have 2 s to do so).
    /// </summary>
    public static async Task<string> CreatePrivateChannelAsync(this ClusterNode node, params TestUser[] members)
    {
        using var admin = await node.AdminAsync();
        var created = await admin.PostAsJsonAsync("/admin/channels", new { name = $"p-{Guid.NewGuid():N}"[..20], type = "private" });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        foreach (var member in members)
        {
            await admin.AddMemberAsync(id, member);
        }

        await Task.Delay(Propagation);
        return id;
    }

    public static async Task AddMemberAsync(this HttpClient admin, string channelId, TestUser user)
    {
        var added = await admin.PostAsJsonAsync($"/admin/channels/{channelId}/members", new { user_id = user.Id, role = "member" });
        added.StatusCode.Should().Be(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
    }

    public static async Task RemoveMemberAsync(this HttpClient admin, string channelId, TestUser user)
    {
        var removed = await admin.DeleteAsync($"/admin/channels/{channelId}/members/{user.Id}");
        removed.StatusCode.Should().Be(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync());
    }

    /// <summary>The seq of every <c>message</c> event of <paramref name="channelId"/> arriving on a v2 socket, until <paramref name="count"/> arrived.</summary>
    public static async Task<List<JsonElement>> ReceiveMessagesAsync(this WsClient socket, string channelId, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<JsonElement>();
        while (messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{messages.Count} of {count} messages of {channelId} arrived in time (seqs {Seqs(messages)}).");
            }

            var message = await socket.ReceiveEventAsync("message", left);
            if (message.GetProperty("channel_id").GetString() == channelId)
            {
                messages.Add(message);
            }
        }

        return messages;
    }

    /// <summary>Frames of a v1 socket (bare message objects) for one channel.</summary>
    public static async Task<List<JsonElement>> ReceiveV1MessagesAsync(this WsClient socket, string channelId, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<JsonElement>();
        while (messages.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{messages.Count} of {count} messages of {channelId} arrived in time on the v1 socket.");
            }

            var frame = await socket.ReceiveAsync(left);
            if (frame.GetProperty("channel_id").GetString() == channelId)
            {
                messages.Add(frame);
            }
        }

        return messages;
    }

    public static string Seqs(IEnumerable<JsonElement> messages) => string.Join(',', messages.Select(m => m.GetProperty("seq").GetInt64()));

    public static string Id(this JsonElement message) => message.GetProperty("id").GetString()!;

    public static long Seq(this JsonElement message) => message.GetProperty("seq").GetInt64();

    /// <summary>Waits until the server closed the socket; fails with the reason if it stays open.</summary>
    public static async Task ShouldCloseWithinAsync(this WsClient socket, TimeSpan within, string because)
    {
        var closed = await Task.WhenAny(socket.Closed, Task.Delay(within)) == socket.Closed;
        closed.Should().BeTrue($"the socket must be closed within {within.TotalSeconds:0.#} s: {because}");
        socket.State.Should().NotBe(WebSocketState.Open);
    }

    /// <summary>Polls until a request with this token is refused (401) on the node; returns how long it took.</summary>
    public static async Task ShouldRefuseWithinAsync(this ClusterNode node, string module, string path, string token, TimeSpan within, string because)
    {
        using var client = node.Client(module, token);
        var deadline = DateTime.UtcNow + within;
        HttpStatusCode last;
        do
        {
            last = (await client.GetAsync(path)).StatusCode;
            if (last == HttpStatusCode.Unauthorized)
            {
                return;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        last.Should().Be(HttpStatusCode.Unauthorized, $"{module} {path} on {node} must refuse the token within {within.TotalSeconds:0.#} s: {because}");
    }

    /// <summary>A v2 ping answered with pong: the socket is alive and served.</summary>
    public static async Task ShouldAnswerPingAsync(this WsClient socket)
    {
        await socket.SendJsonAsync(new { @event = "ping", data = new { } });
        await socket.ReceiveEventAsync("pong", TimeSpan.FromSeconds(10));
    }
}
