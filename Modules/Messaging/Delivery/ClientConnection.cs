using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// One open WebSocket. Everything sent to it goes through its bounded outbox and one sender loop, so
/// the fan-out never waits on a socket. A socket whose outbox overflows is closed: it would otherwise
/// have to skip messages, and a client that reconnects and reads history misses nothing.
/// </summary>
internal sealed class ClientConnection
{
    private readonly WebSocket _socket;
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _maxFrames;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abort = new();
    private int _queuedFrames;
    private long _queuedBytes;
    private int _closing;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";

    public ClientConnection(WebSocket socket, string userId, int version, string? tokenId, int tokenVersion, DateTimeOffset? expiresAt,
        int maxFrames, long maxBytes, ILogger logger)
    {
        _socket = socket;
        UserId = userId;
        Version = version;
        TokenId = tokenId;
        TokenVersion = tokenVersion;
        ExpiresAt = expiresAt;
        _maxFrames = maxFrames;
        _maxBytes = maxBytes;
        _logger = logger;
    }

    public string Id { get; } = Guid.NewGuid().ToString("N");
    public string UserId { get; }
    /// <summary>1: bare message objects (compat); 2: event envelopes.</summary>
    public int Version { get; }
    public string? TokenId { get; }
    public int TokenVersion { get; }
    public DateTimeOffset? ExpiresAt { get; }
    public bool IsClosing => Volatile.Read(ref _closing) != 0;
    /// <summary>Cancelled when the socket is aborted; the receive loop stops on it.</summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>Queues a frame; false (and the socket is closed) when the client is too far behind.</summary>
    public bool TrySend(byte[] frame)
    {
        if (IsClosing)
        {
            return false;
        }

        var frames = Interlocked.Increment(ref _queuedFrames);
        var bytes = Interlocked.Add(ref _queuedBytes, frame.Length);
        if (frames > _maxFrames || bytes > _maxBytes)
        {
            _logger.LogWarning("Closing socket {ConnectionId} of user {UserId}: {Frames} frames / {Bytes} bytes waiting, the client cannot keep up",
                Id, UserId, frames, bytes);
            Abort();
            return false;
        }

        if (!_outbox.Writer.TryWrite(frame))
        {
            Interlocked.Decrement(ref _queuedFrames);
            Interlocked.Add(ref _queuedBytes, -frame.Length);
            return false;
        }

        return true;
    }

    /// <summary>Sends what is queued, then a close frame. Nothing queued after this call is sent.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _closeStatus = status;
        _closeReason = reason;
        _outbox.Writer.TryComplete();
    }

    /// <summary>Drops the connection at once, without the closing handshake.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closing, 1);
        _outbox.Writer.TryComplete();
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Abort();
    }

    public async Task RunSenderAsync()
    {
        try
        {
            var reader = _outbox.Reader;
            while (await reader.WaitToReadAsync(_abort.Token))
            {
                while (reader.TryRead(out var frame))
                {
                    await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _abort.Token);
                    Interlocked.Decrement(ref _queuedFrames);
                    Interlocked.Add(ref _queuedBytes, -frame.Length);
                }
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(_closeStatus, _closeReason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            Abort();
        }
    }
}
