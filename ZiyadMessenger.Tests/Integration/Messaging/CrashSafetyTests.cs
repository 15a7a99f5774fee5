using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>The server as a separate process, killed hard or stopped politely in the middle of a burst.</summary>
public sealed class CrashSafetyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0}s {what}");

    internal sealed record Client(string UserId, string Token, string ChannelId);

    internal sealed record Acked(string ClientMsgId, string MessageId, string ChannelId, long Seq);

    [Fact]
    public async Task After_a_SIGKILL_mid_burst_every_acked_message_is_in_history_once_with_gap_free_seq()
    {
        var data = TestHost.NewDataDirectory();
        try
        {
            List<Client> clients;
            var acked = new ConcurrentDictionary<string, Acked>();
            var sent = new ConcurrentDictionary<string, Client>();
            await using (var host = await StartAsync(data))
            {
                Mark("started");
                clients = await PrepareClientsAsync(host);
                Mark("users ready");
                using var stop = new CancellationTokenSource();
                var bursts = clients.Select((c, k) => BurstAsync(host, c, $"k{k}", acked, sent, stop.Token)).ToList();

                // Kill while every client is mid-burst with sends in flight.
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (acked.Count < 400 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }

                Mark($"killing with {acked.Count} acked, {sent.Count} sent");
                host.Kill();
                stop.Cancel();
                await Task.WhenAll(bursts);
                Mark("bursts ended");
            }

            acked.Should().HaveCountGreaterThan(0);
            sent.Count.Should().BeGreaterThan(acked.Count, "some sends must have been in flight at the kill");

            await using var restarted = await StartAsync(data);
            Mark("restarted");
            await VerifyAsync(restarted, clients, acked);
            Mark("verified");

            // Resending everything that was never acknowledged stores each at most once.
            using var http = Http(restarted, clients[0].Token);
            foreach (var (clientMsgId, client) in sent.Where(s => s.Value == clients[0]))
            {
                using var own = Http(restarted, client.Token);
                var resend = await own.PostAsJsonAsync("/send", new { channel_id = client.ChannelId, type = 1, content = MessagingApi.B64(clientMsgId), client_msg_id = clientMsgId });
                resend.EnsureSuccessStatusCode();
                var body = await resend.Content.ReadFromJsonAsync<JsonElement>();
                if (acked.TryGetValue(clientMsgId, out var first))
                {
                    body.GetProperty("message_id").GetString().Should().Be(first.MessageId);
                }
            }

            await VerifyAsync(restarted, clients, acked);
        }
        finally
        {
            TryDelete(data);
        }
    }

    /// <summary>Four users: two write to general, two to the DM between them.</summary>
    internal static async Task<List<Client>> PrepareClientsAsync(HostProcess host)
    {
        using var auth = new HttpClient { BaseAddress = host.Url(ModuleNames.Auth) };
        var users = new List<(string Id, string Token)>();
        for (var i = 0; i < 4; i++)
        {
            var username = $"crash{i}_{Guid.NewGuid():N}"[..20];
            (await auth.PostAsJsonAsync("/register", new { username, full_name = username, password = "crash-pass-1", role = "member" })).EnsureSuccessStatusCode();
            var login = await (await auth.PostAsJsonAsync("/login", new { username, password = "crash-pass-1" })).Content.ReadFromJsonAsync<JsonElement>();
            users.Add((login.GetProperty("user_id").GetString()!, login.GetProperty("token").GetString()!));
        }

        using var http = Http(host, users[2].Token);
        var dm = await (await http.PostAsJsonAsync("/dm", new { target_user_id = users[3].Id })).Content.ReadFromJsonAsync<JsonElement>();
        var dmId = dm.GetProperty("channel_id").GetString()!;
        return [new(users[0].Id, users[0].Token, "general"), new(users[1].Id, users[1].Token, "general"),
            new(users[2].Id, users[2].Token, dmId), new(users[3].Id, users[3].Token, dmId)];
    }

    /// <summary>
    /// Sends without waiting for each ack (pipelined, up to 64 in flight, as a busy client does) until
    /// the socket dies.
    /// </summary>
    internal static async Task BurstAsync(HostProcess host, Client client, string prefix,
        ConcurrentDictionary<string, Acked> acked, ConcurrentDictionary<string, Client> sent, CancellationToken stop)
    {
        WsClient socket;
        try
        {
            socket = await WsClient.ConnectAsync(host.WebSocketUrl(ModuleNames.Messaging, $"/ws?v=2&token={Uri.EscapeDataString(client.Token)}"));
        }
        catch (WebSocketException)
        {
            return;
        }

        await using (socket)
        {
            using var window = new SemaphoreSlim(64);
            var reading = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        var frame = await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
                        if (frame.GetProperty("event").GetString() == "ack")
                        {
                            var data = frame.GetProperty("data");
                            var id = data.GetProperty("client_msg_id").GetString()!;
                            acked[id] = new Acked(id, data.GetProperty("message_id").GetString()!, data.GetProperty("channel_id").GetString()!, data.GetProperty("seq").GetInt64());
                            window.Release();
                        }
                    }
                }
                catch (Exception ex) when (ex is TimeoutException or System.Threading.Channels.ChannelClosedException)
                {
                }
            });

            try
            {
                for (var i = 0; !stop.IsCancellationRequested && socket.State == WebSocketState.Open; i++)
                {
                    if (!await window.WaitAsync(TimeSpan.FromMilliseconds(200)))
                    {
                        i--;
                        continue;
                    }

                    var id = $"{prefix}-{i}";
                    sent[id] = client;
                    await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = client.ChannelId, type = 1, content = MessagingApi.B64(id), client_msg_id = id } });
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
            {
            }

            await reading;
        }
    }

    internal static async Task VerifyAsync(HostProcess host, List<Client> clients, ConcurrentDictionary<string, Acked> acked)
    {
        foreach (var channelId in clients.Select(c => c.ChannelId).Distinct())
        {
            var reader = clients.First(c => c.ChannelId == channelId);
            using var http = Http(host, reader.Token);
            var history = await http.FullHistoryAsync(channelId);
            var seqs = history.Select(m => m.GetProperty("seq").GetInt64()).ToList();
            seqs.Should().Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), $"seq in {channelId} must be gap-free");
            var ids = history.Select(m => m.GetProperty("id").GetString()!).ToList();
            ids.Should().OnlyHaveUniqueItems();
            history.Select(m => m.GetProperty("client_msg_id").GetString()).Should().OnlyHaveUniqueItems("each client_msg_id is stored once");

            var bySeq = history.ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("seq").GetInt64());
            foreach (var ack in acked.Values.Where(a => a.ChannelId == channelId))
            {
                bySeq.Should().ContainKey(ack.MessageId, $"{ack.ClientMsgId} was acknowledged");
                bySeq[ack.MessageId].Should().Be(ack.Seq);
            }
        }
    }

    /// <summary>
    /// Another process may take a free port before the host binds it; then start again on fresh ports.
    /// A machine busy with other builds may need well over the default 30 s to start a process.
    /// </summary>
    internal static async Task<HostProcess> StartAsync(string data)
    {
        for (var attempt = 1; ; attempt++)
        {
            var host = await HostProcess.StartAsync(data, waitUntilReady: false);
            try
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
                return host;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await host.DisposeAsync();
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }
    }

    private static HttpClient Http(HostProcess host, string token)
    {
        var http = new HttpClient { BaseAddress = host.Url(ModuleNames.Messaging), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    internal static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
