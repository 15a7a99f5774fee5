using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging.TeamChat;

/// <summary>Threads, reactions and pins over the Messaging port, for the team chat tests.</summary>
internal static class TeamChatApi
{
    public static async Task<JsonElement> ReplyAsync(this HttpClient client, string channelId, string rootId, string text)
    {
        var response = await client.PostAsJsonAsync("/send", new { channel_id = channelId, type = 1, content = MessagingApi.B64(text), root_id = rootId });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The emoji goes into the path percent-encoded, as a client would put it there; <paramref name="rawPath"/> is sent as given.</summary>
    public static Task<HttpResponseMessage> ReactAsync(this HttpClient client, string messageId, string emoji, bool rawPath = false) =>
        client.PutAsync(ReactionPath(messageId, emoji, rawPath), null);

    public static Task<HttpResponseMessage> UnreactAsync(this HttpClient client, string messageId, string emoji, bool rawPath = false) =>
        client.DeleteAsync(ReactionPath(messageId, emoji, rawPath));

    private static Uri ReactionPath(string messageId, string emoji, bool rawPath) =>
        new($"/messages/{Uri.EscapeDataString(messageId)}/reactions/{(rawPath ? emoji : Uri.EscapeDataString(emoji))}", UriKind.Relative);

    public static Task<HttpResponseMessage> PinAsync(this HttpClient client, string messageId) =>
        client.PutAsync($"/messages/{Uri.EscapeDataString(messageId)}/pin", null);

    public static Task<HttpResponseMessage> UnpinAsync(this HttpClient client, string messageId) =>
        client.DeleteAsync($"/messages/{Uri.EscapeDataString(messageId)}/pin");

    public static async Task<JsonElement> ThreadAsync(this HttpClient client, string rootId, string query = "")
    {
        var response = await client.GetAsync($"/threads/{Uri.EscapeDataString(rootId)}{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<List<JsonElement>> PinsAsync(this HttpClient client, string channelId)
    {
        var response = await client.GetAsync($"/pins?channel_id={Uri.EscapeDataString(channelId)}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pins").EnumerateArray().ToList();
    }

    public static async Task<JsonElement> MessageAsync(this HttpClient client, string channelId, string messageId) =>
        (await client.FullHistoryAsync(channelId)).Single(m => m.GetProperty("id").GetString() == messageId);

    /// <summary>The reactions of a message object as (emoji, count, user ids).</summary>
    public static List<(string Emoji, int Count, string[] Users)> Reactions(JsonElement message) =>
        message.GetProperty("reactions").EnumerateArray()
            .Select(r => (r.GetProperty("emoji").GetString()!, r.GetProperty("count").GetInt32(),
                r.GetProperty("user_ids").EnumerateArray().Select(u => u.GetString()!).ToArray()))
            .ToList();

    /// <summary>A problem+json answer with a readable error: the shape every 4xx must have.</summary>
    public static async Task ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string because)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, $"{because} (body: {body})");
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", $"{because} (status {(int)response.StatusCode}, body '{body}')");
        JsonDocument.Parse(body).RootElement.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace(because);
    }

    /// <summary>
    /// The frames a socket receives up to the next message event with this text. Events are delivered by
    /// one loop in order, so whatever the socket was going to get before that message is in the list.
    /// </summary>
    public static async Task<List<JsonElement>> FramesUntilMessageAsync(this WsClient socket, string text)
    {
        var frames = new List<JsonElement>();
        while (true)
        {
            var frame = await socket.ReceiveAsync();
            frames.Add(frame);
            var message = frame.TryGetProperty("event", out var name) ? (name.GetString() == "message" ? frame.GetProperty("data") : default) : frame;
            if (message.ValueKind == JsonValueKind.Object && MessagingApi.Text(message) == text)
            {
                return frames;
            }
        }
    }

    /// <summary>Audit entries are written after the request answers; waits for them to show up.</summary>
    public static async Task<IReadOnlyList<AuditEntryInfo>> AuditEntriesAsync(this TestHost host, string actorId, string action, int atLeast = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var page = await host.BusAsync(s => s.Send(new QueryAuditLog(actorId, action, null, null, 0, 100)));
            if (page.Entries.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return page.Entries;
            }

            await Task.Delay(100);
        }
    }
}
