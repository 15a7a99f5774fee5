using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Small conveniences over the Messaging port, used by the messaging tests.</summary>
internal static class MessagingApi
{
    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static string Text(JsonElement message) => Encoding.UTF8.GetString(Convert.FromBase64String(message.GetProperty("content").GetString()!));

    public static Uri Ws(this TestHost host, string token, int version = 1, string? extra = null) =>
        host.WebSocketUrl(ModuleNames.Messaging, $"/ws?token={Uri.EscapeDataString(token)}{(version == 2 ? "&v=2" : "")}{extra}");

    public static Task<WsClient> ConnectAsync(this TestHost host, TestUser user, int version = 1, bool read = true) =>
        WsClient.ConnectAsync(host.Ws(user.Token, version), read);

    public static HttpClient Messaging(this TestHost host, TestUser user) => host.Client(ModuleNames.Messaging, user.Token);

    public static async Task<JsonElement> SendAsync(this HttpClient client, string channelId, string text, string? clientMsgId = null, int type = 1)
    {
        var response = await client.PostAsJsonAsync("/send", new { channel_id = channelId, type, content = B64(text), nonce = (string?)null, signature = (string?)null, client_msg_id = clientMsgId });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<List<JsonElement>> HistoryAsync(this HttpClient client, string channelId, string query = "")
    {
        var response = await client.GetAsync($"/history?channel_id={Uri.EscapeDataString(channelId)}{query}");
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
    }

    /// <summary>Every message of a channel, paging with after= the way a catching-up client does.</summary>
    public static async Task<List<JsonElement>> FullHistoryAsync(this HttpClient client, string channelId)
    {
        var all = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await client.HistoryAsync(channelId, $"&after={after}&limit=1000");
            all.AddRange(page);
            if (page.Count < 1000)
            {
                return all;
            }

            after = page[^1].GetProperty("seq").GetInt64();
        }
    }

    /// <summary>Channel administration goes over the bus, exactly as the Admin module drives it.</summary>
    public static async Task<T> BusAsync<T>(this TestHost host, Func<ISender, ValueTask<T>> call)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    public static Task<ChannelInfo> CreateChannelAsync(this TestHost host, string type = ChannelTypes.Public, string? name = null) =>
        host.BusAsync(s => s.Send(new CreateChannel(name ?? $"c-{Guid.NewGuid():N}"[..20], type, null, "test-admin")));

    public static Task<ChannelMemberInfo> AddMemberAsync(this TestHost host, string channelId, string userId) =>
        host.BusAsync(s => s.Send(new AddChannelMember(channelId, userId, "member", "test-admin")));

    public static async Task RemoveMemberAsync(this TestHost host, string channelId, string userId) =>
        await host.BusAsync(async s => { await s.Send(new RemoveChannelMember(channelId, userId, "test-admin")); return 0; });
}
