using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>
/// A WebSocket client as a real one would use it: System.Net.WebSockets.ClientWebSocket, frames read in
/// the background into a queue (or not read at all, to play a slow client).
/// </summary>
internal sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task? _reader;

    private WsClient(ClientWebSocket socket) => _socket = socket;

    public WebSocketState State => _socket.State;
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;
    /// <summary>Completes when the server closed the socket or the connection broke.</summary>
    public Task Closed => _reader ?? Task.CompletedTask;

    public static async Task<WsClient> ConnectAsync(Uri uri, bool read = true)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(uri, timeout.Token);
        var client = new WsClient(socket);
        if (read)
        {
            client.StartReading();
        }

        return client;
    }

    public void StartReading() => _reader ??= Task.Run(ReadLoopAsync);

    public Task SendJsonAsync(object payload) => SendTextAsync(JsonSerializer.Serialize(payload));

    public async Task SendTextAsync(string text, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(text), type, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next frame, or an exception when none arrives in time or the socket closed.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _frames.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No frame arrived in time.");
        }
    }

    /// <summary>The next v2 event with this name; other events on the way are skipped.</summary>
    public async Task<JsonElement> ReceiveEventAsync(string name, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No '{name}' event arrived in time.");
            }

            var frame = await ReceiveAsync(left);
            if (frame.GetProperty("event").GetString() == name)
            {
                return frame.GetProperty("data");
            }
        }
    }

    /// <summary>Frames that arrive within the window (for "nothing else came" checks).</summary>
    public async Task<List<JsonElement>> DrainAsync(TimeSpan window)
    {
        var frames = new List<JsonElement>();
        using var cts = new CancellationTokenSource(window);
        try
        {
            while (true)
            {
                frames.Add(await _frames.Reader.ReadAsync(cts.Token));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ChannelClosedException)
        {
        }

        return frames;
    }

    /// <summary>Whatever was received before the server closed the socket, waiting up to the timeout for the close.</summary>
    public async Task<List<JsonElement>> ReadUntilClosedAsync(TimeSpan timeout)
    {
        StartReading();
        var frames = new List<JsonElement>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(cts.Token))
            {
                frames.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server did not close the socket in time ({frames.Count} frames received).");
        }

        return frames;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    _frames.Writer.TryWrite(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                    message.SetLength(0);
                }
            }
        }
        catch (WebSocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        _socket.Abort();
        _socket.Dispose();
    }
}
