using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiyadMessenger.Modules.Admin.Accounts;

namespace ZiyadMessenger.Modules.Admin.Live;

/// <summary>
/// The dashboard's live feed: every open <c>/admin/ws</c> socket gets each event as
/// <c>{"event", "payload"}</c>. Each socket has its own bounded queue; a socket that falls behind
/// loses its oldest events rather than slowing the server (the periodic stats tick resynchronises it).
/// </summary>
internal sealed class LiveHub(IOptions<JsonOptions> json, AdminTokenRegistry registry, ILogger<LiveHub> logger)
{
    private const int QueueLength = 512;
    private readonly ConcurrentDictionary<Guid, Subscriber> _subscribers = new();
    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;

    public int Count => _subscribers.Count;

    public void Broadcast(string name, object payload)
    {
        if (_subscribers.IsEmpty)
        {
            return;
        }

        var frame = JsonSerializer.SerializeToUtf8Bytes(new LiveEvent(name, payload, DateTimeOffset.UtcNow), _json);
        foreach (var subscriber in _subscribers.Values)
        {
            subscriber.Queue.Writer.TryWrite(frame);
        }
    }

    public byte[] Frame(string name, object payload) =>
        JsonSerializer.SerializeToUtf8Bytes(new LiveEvent(name, payload, DateTimeOffset.UtcNow), _json);

    /// <summary>Closes the sockets of admins whose tokens were revoked since they connected.</summary>
    public void DropRevoked()
    {
        foreach (var subscriber in _subscribers.Values)
        {
            if (!registry.IsValid(subscriber.AdminId, subscriber.TokenVersion))
            {
                subscriber.Queue.Writer.TryComplete();
            }
        }
    }

    public async Task RunAsync(WebSocket socket, string adminId, int tokenVersion, byte[] hello, CancellationToken aborted)
    {
        var subscriber = new Subscriber(adminId, tokenVersion, Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }));
        var id = Guid.NewGuid();
        subscriber.Queue.Writer.TryWrite(hello);
        _subscribers[id] = subscriber;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        try
        {
            var reader = ReadUntilClosedAsync(socket, stop.Token);
            var writer = WriteAsync(socket, subscriber.Queue.Reader, stop.Token);
            await Task.WhenAny(reader, writer);
            await stop.CancelAsync();
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                var revoked = !registry.IsValid(adminId, tokenVersion);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(revoked ? (WebSocketCloseStatus)4401 : WebSocketCloseStatus.NormalClosure,
                    revoked ? "session ended" : "bye", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            logger.LogDebug("Admin live socket ended: {Reason}", ex.Message);
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    private static async Task ReadUntilClosedAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        // The feed is one-way; reading only notices the close (and discards anything sent).
        var buffer = new byte[1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }

    private static async Task WriteAsync(WebSocket socket, ChannelReader<byte[]> queue, CancellationToken cancellationToken)
    {
        await foreach (var frame in queue.ReadAllAsync(cancellationToken))
        {
            await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }

    private sealed record Subscriber(string AdminId, int TokenVersion, Channel<byte[]> Queue);

    private sealed record LiveEvent(string Event, object Payload, DateTimeOffset At);
}
