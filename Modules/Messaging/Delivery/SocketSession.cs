using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Http;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.ReadCursors;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// The receiving half of one WebSocket: reads frames, turns them into sends, typing, reads and pings.
/// Sends are queued in the order they arrive and acknowledged (v2) when their batch commits, without
/// waiting for one commit before reading the next frame. v1 frames that cannot be accepted are dropped
/// and logged (the reference client expects no reply); v2 ones get an <c>error</c> event.
/// </summary>
internal sealed class SocketSession(
    WebSocket socket,
    ClientConnection connection,
    MessageIntake intake,
    ChannelAccess access,
    IFanout fanout,
    TypingThrottle typingThrottle,
    ISender sender,
    MessagingOptions options,
    ILogger logger)
{
    private const int InitialBuffer = 4096;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var maxFrame = options.EffectiveMaxFrameBytes;
        // Idle sockets hold no buffer: a zero-byte read waits for the next frame, and only then is one
        // rented (as Kestrel does for its connections). At 10,000 open sockets that is 40 MB.
        byte[]? buffer = null;
        var length = 0;
        try
        {
            while (!connection.IsClosing)
            {
                if (buffer is null)
                {
                    var next = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
                    if (next.MessageType == WebSocketMessageType.Close)
                    {
                        connection.Close(WebSocketCloseStatus.NormalClosure, "");
                        break;
                    }

                    if (next.EndOfMessage)
                    {
                        // A frame with no payload at all.
                        await HandleFrameAsync(next.MessageType, ReadOnlyMemory<byte>.Empty, cancellationToken);
                        continue;
                    }

                    buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
                }
                else if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxFrame + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    connection.Close(WebSocketCloseStatus.NormalClosure, "");
                    break;
                }

                length += result.Count;
                if (length > maxFrame)
                {
                    logger.LogWarning("Closing socket {ConnectionId} of user {UserId}: a frame over {MaxFrame} bytes", connection.Id, connection.UserId, maxFrame);
                    connection.Close(WebSocketCloseStatus.MessageTooBig, $"Frames may be at most {maxFrame} bytes.");
                    await DrainUntilCloseAsync(cancellationToken);
                    break;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                await HandleFrameAsync(result.MessageType, buffer.AsMemory(0, length), cancellationToken);
                length = 0;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The client went away or the socket was closed by us; nothing to answer.
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// After our close frame, reads and drops what the client still sends until its close arrives, for
    /// a few seconds at most. A client busy writing a 16 MB frame reads nothing until the write ends, and
    /// a connection closed with unread data in it is reset, which throws away the close frame on its way:
    /// either way the client would see 1006 instead of the 1009 it was sent. (Text that is not UTF-8 is
    /// refused by the framework's WebSocket itself: it sends 1007 and drops the connection at once.)
    /// </summary>
    private async Task DrainUntilCloseAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var scratch = new byte[16 * 1024];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Gone, or not answering the close in time: the handler drops the connection.
        }
    }

    private Task HandleFrameAsync(WebSocketMessageType type, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (type == WebSocketMessageType.Binary)
        {
            Reject(null, 400, "Frames must be JSON text.");
            return Task.CompletedTask;
        }

        return HandleTextFrameAsync(frame, cancellationToken);
    }

    private async Task HandleTextFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (connection.Version == 1)
        {
            await HandleV1Async(frame, cancellationToken);
            return;
        }

        if (JsonText.FindProblem(frame.Span) is { } problem)
        {
            Reject(null, 400, $"The frame cannot be read: {problem}.");
            return;
        }

        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var name) || name.ValueKind != JsonValueKind.String)
        {
            Reject(null, 400, "A frame must be {\"event\": name, \"data\": {...}}.");
            return;
        }

        var data = root.TryGetProperty("data", out var d) ? d : default;
        var clientMsgId = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("client_msg_id", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : null;
        try
        {
            switch (name.GetString())
            {
                case "send":
                    await SendAsync(Parse<SendRequest>(data), clientMsgId, cancellationToken);
                    break;
                case "typing":
                    var typing = Parse<TypingRequest>(data);
                    if (string.IsNullOrWhiteSpace(typing.ChannelId))
                    {
                        throw AppException.Field("channel_id", "channel_id is required.");
                    }

                    var (_, channel) = await access.ForReadAsync(connection.UserId, typing.ChannelId, cancellationToken);
                    if (channel is not null && typingThrottle.ShouldAnnounce(connection.UserId, channel.Id))
                    {
                        fanout.Publish(new UserTyping(channel.Id, connection.UserId));
                    }

                    break;
                case "read":
                    await sender.Send(new MarkRead(connection.UserId, Parse<ReadRequest>(data)), cancellationToken);
                    break;
                case "ping":
                    connection.TrySend(WireJson.Envelope(ServerEvents.Pong, data.ValueKind == JsonValueKind.Undefined ? (object)new { } : data));
                    break;
                default:
                    Reject(clientMsgId, 400, $"Unknown event '{name.GetString()}'.");
                    break;
            }
        }
        catch (AppException ex)
        {
            Reject(clientMsgId, ex.Status, ex.Message);
        }
        catch (FluentValidation.ValidationException ex)
        {
            Reject(clientMsgId, 400, ex.Errors.FirstOrDefault()?.ErrorMessage ?? "Some fields are invalid.");
        }
        catch (JsonException)
        {
            Reject(clientMsgId, 400, "The event's data does not have the expected fields.");
        }
        catch (Exception ex) when (StoreConnections.IsUnavailable(ex))
        {
            Reject(clientMsgId, 503, StoreUnavailableMessage);
        }
    }

    private async Task HandleV1Async(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        try
        {
            if (JsonText.FindProblem(frame.Span) is { } problem)
            {
                throw AppException.BadRequest($"The frame cannot be read: {problem}.");
            }

            var request = JsonSerializer.Deserialize<SendRequest>(frame.Span, WireJson.Options)
                ?? throw AppException.BadRequest("The frame is empty.");
            var committed = await intake.SubmitAsync(connection.UserId, request, cancellationToken);
            _ = LogFailureAsync(committed);
        }
        catch (Exception ex) when (ex is AppException or JsonException)
        {
            logger.LogWarning("Ignored a v1 frame from user {UserId} on socket {ConnectionId}: {Reason}",
                connection.UserId, connection.Id, ex is AppException app ? app.Message : "not a valid message object");
        }
    }

    private async Task SendAsync(SendRequest request, string? clientMsgId, CancellationToken cancellationToken)
    {
        var committed = await intake.SubmitAsync(connection.UserId, request, cancellationToken);
        _ = AckAsync(committed, clientMsgId);
    }

    private async Task AckAsync(Task<SendResult> committed, string? clientMsgId)
    {
        try
        {
            var (message, duplicate) = await committed;
            connection.TrySend(WireJson.Envelope(ServerEvents.Ack,
                new AckData(clientMsgId, message.Id, message.ChannelId, message.Seq, message.Timestamp, duplicate)));
        }
        catch (AppException ex)
        {
            Reject(clientMsgId, ex.Status, ex.Message);
        }
        catch (Exception ex) when (StoreConnections.IsUnavailable(ex))
        {
            // Not acknowledged, because not committed: the client sends it again (same client_msg_id, no duplicate).
            logger.LogWarning("A send on socket {ConnectionId} was not stored: the store is unavailable", connection.Id);
            Reject(clientMsgId, 503, StoreUnavailableMessage);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "A send on socket {ConnectionId} failed", connection.Id);
            Reject(clientMsgId, 500, "The message could not be stored.");
        }
    }

    private async Task LogFailureAsync(Task<SendResult> committed)
    {
        try
        {
            await committed;
        }
        catch (Exception ex)
        {
            logger.LogWarning("A v1 send from user {UserId} was not stored: {Reason}", connection.UserId, ex.Message);
        }
    }

    /// <summary>What a v2 client is told when the store is away, like HTTP's 503 (Host/Errors/StoreOutage).</summary>
    private const string StoreUnavailableMessage = "The data store is not reachable right now, so the message was not stored. Send it again in a few seconds.";

    private void Reject(string? clientMsgId, int status, string error)
    {
        if (connection.Version == 1)
        {
            logger.LogWarning("Ignored a v1 frame from user {UserId} on socket {ConnectionId}: {Reason}", connection.UserId, connection.Id, error);
            return;
        }

        connection.TrySend(WireJson.Envelope(ServerEvents.Error, new ErrorData(clientMsgId, status, error)));
    }

    private static T Parse<T>(JsonElement data) where T : class =>
        data.ValueKind == JsonValueKind.Object
            ? data.Deserialize<T>(WireJson.Options) ?? throw AppException.BadRequest("data is required.")
            : throw AppException.BadRequest("data must be an object.");
}

internal sealed record TypingRequest(string? ChannelId);
