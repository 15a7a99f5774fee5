using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ZiyadMessenger.Bench.Relay;

/// <summary>
/// The baseline: a bare Kestrel WebSocket relay speaking the same v2 frames — no authentication, no
/// storage, no bus. It answers every <c>send</c> with an <c>ack</c> and pushes the message to every
/// open socket, serialised once and queued per socket as the server must. Whatever the server does
/// beyond this is what its figure pays for.
/// </summary>
internal static class RelayServer
{
    public static async Task<int> RunAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var hub = new Hub();
        app.UseWebSockets();
        app.MapGet("/health", () => "ok");
        app.Map("/ws", async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await hub.ServeAsync(socket, context.RequestAborted);
        });
        await app.RunAsync($"http://127.0.0.1:{port}");
        return 0;
    }

    private sealed class Hub
    {
        private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        private readonly ConcurrentDictionary<long, Connection> _connections = new();
        private long _nextId;
        private long _seq;

        public async Task ServeAsync(WebSocket socket, CancellationToken cancellationToken)
        {
            var connection = new Connection(Interlocked.Increment(ref _nextId), socket);
            _connections[connection.Id] = connection;
            var writer = connection.WriteLoopAsync(cancellationToken);
            // A small pooled buffer, grown only for a large frame: what an idle socket costs matters (connections scenario).
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                var filled = 0;
                while (true)
                {
                    if (filled == buffer.Length)
                    {
                        if (buffer.Length >= 1 << 20)
                        {
                            break;
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, filled).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    var result = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    filled += result.Count;
                    if (result.EndOfMessage)
                    {
                        OnFrame(connection, buffer.AsSpan(0, filled));
                        filled = 0;
                    }
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _connections.TryRemove(connection.Id, out _);
                connection.Outbox.Writer.TryComplete();
                await writer;
            }
        }

        private void OnFrame(Connection sender, ReadOnlySpan<byte> frame)
        {
            var reader = new Utf8JsonReader(frame);
            string? eventName = null, channelId = null, clientMsgId = null, content = null;
            var type = 0;
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.CurrentDepth == 1 && reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    eventName = reader.GetString();
                }
                else if (reader.CurrentDepth == 2)
                {
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "channel_id": channelId = reader.GetString(); break;
                        case "client_msg_id": clientMsgId = reader.GetString(); break;
                        case "content": content = reader.GetString(); break;
                        case "type": type = reader.GetInt32(); break;
                    }
                }
            }

            if (eventName != "send" || channelId is null || content is null)
            {
                return;
            }

            var seq = Interlocked.Increment(ref _seq);
            var id = Guid.NewGuid().ToString();
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

            var ack = new ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(ack, WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("event", "ack");
                w.WriteStartObject("data");
                w.WriteString("client_msg_id", clientMsgId);
                w.WriteString("message_id", id);
                w.WriteString("channel_id", channelId);
                w.WriteNumber("seq", seq);
                w.WriteNumber("timestamp", timestamp);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            sender.Enqueue(ack.WrittenSpan.ToArray());

            var message = new ArrayBufferWriter<byte>(content.Length + 512);
            using (var w = new Utf8JsonWriter(message, WriterOptions))
            {
                w.WriteStartObject();
                w.WriteString("event", "message");
                w.WriteStartObject("data");
                w.WriteString("id", id);
                w.WriteString("channel_id", channelId);
                w.WriteString("sender_id", sender.UserId);
                w.WriteNumber("timestamp", timestamp);
                w.WriteNumber("type", type);
                w.WriteString("content", content);
                w.WriteNull("nonce");
                w.WriteNull("signature");
                w.WriteNumber("seq", seq);
                w.WriteString("client_msg_id", clientMsgId);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            var bytes = message.WrittenSpan.ToArray();
            foreach (var connection in _connections.Values)
            {
                connection.Enqueue(bytes);
            }
        }
    }

    private sealed class Connection(long id, WebSocket socket)
    {
        public long Id { get; } = id;
        public string UserId { get; } = $"relay-user-{id}";

        public Channel<byte[]> Outbox { get; } = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8192)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // so TryWrite says false when full (the Drop modes would say true)
        });

        /// <summary>A socket that cannot keep up is closed, never fed with gaps, as the server's contract says.</summary>
        public void Enqueue(byte[] frame)
        {
            if (!Outbox.Writer.TryWrite(frame))
            {
                Outbox.Writer.TryComplete();
                socket.Abort();
            }
        }

        public async Task WriteLoopAsync(CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var frame in Outbox.Reader.ReadAllAsync(cancellationToken))
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
