using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiyadMessenger.Modules.Admin.Accounts;

namespace ZiyadMessenger.Modules.Admin.Live;

/// <summary>
/// The dashboard's live feed: every open <c>/admin/ws</c> socket gets each event as
/// <c>{"event", "payload"}</c>. Each socket has its own bounded queue; a socket that falls behind
/// loses its oldest events rather than slowing the server (the periodic stats tick resynchronises it).
/// </summary>
internal sealed class LiveHub
{
    private const int QueueLength = 512;
    private readonly ConcurrentDictionary<Guid, Subscriber> _subscribers = new();
    private readonly JsonSerializerOptions _json;
    private readonly AdminTokenRegistry _registry;
    private readonly ILogger<LiveHub> _logger;
    private readonly CancellationToken _stopping;

    public LiveHub(IOptions<JsonOptions> json, AdminTokenRegistry registry, IHostApplicationLifetime lifetime, ILogger<LiveHub> logger)
    {
        _json = json.Value.SerializerOptions;
        _registry = registry;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping;
        // Open feeds would hold the shutdown until its timeout: end them as soon as stopping begins.
        _stopping.Register(() =>
        {
            foreach (var subscriber in _subscribers.Values)
            {
                subscriber.Queue.Writer.TryComplete();
            }
        });
    }

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
            if (!_registry.IsValid(subscriber.AdminId, subscriber.TokenVersion))
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
        if (_stopping.IsCancellationRequested)
        {
            subscriber.Queue.Writer.TryComplete();
        }

        try
        {
            var reader = ReadUntilClosedAsync(socket, aborted);
            var writer = WriteAsync(socket, subscriber.Queue.Reader, aborted);
            if (await Task.WhenAny(reader, writer) == writer)
            {
                // The server ended the feed (session revoked, or shutting down): say why, then let the
                // client answer the close. Cancelling a pending receive would abort the socket instead.
                await writer;
                var revoked = !_registry.IsValid(adminId, tokenVersion);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(
                    revoked ? (WebSocketCloseStatus)4401 : WebSocketCloseStatus.EndpointUnavailable,
                    revoked ? "session ended" : "server stopping", timeout.Token);
                await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            }
            else
            {
                subscriber.Queue.Writer.TryComplete();
                await reader;
                if (socket.State == WebSocketState.CloseReceived)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            _logger.LogDebug("Admin live socket ended: {Reason}", ex.Message);
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
