using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Admin;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary>
/// Thousands of mutated requests to every endpoint that takes a body, on every module (found from the
/// server's own route table, so a new endpoint is fuzzed without being listed), and mutated frames on
/// both WebSocket protocols. Whatever arrives, the answer is never a 500, every error is problem+json,
/// and a socket is never dropped without a close frame. Seeded: a failure names its seed, and
/// <c>ZIYAD_FUZZ_SEED=n</c> replays it.
/// </summary>
public sealed class BadInputFuzzTests(HostFixture fixture, ITestOutputHelper output) : IClassFixture<HostFixture>
{
    private const int RequestsPerEndpoint = 90;
    private const int FramesPerProtocol = 400;
    private readonly TestHost _host = fixture.Host;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("ZIYAD_FUZZ_SEED"), out var seed) ? seed : 20261206;

    [Fact]
    public async Task No_mutated_body_on_any_endpoint_gets_a_500_or_an_error_outside_problem_json()
    {
        var endpoints = BodyEndpoints();
        endpoints.Select(e => e.Module).Distinct().Should().Contain([ModuleNames.Admin, ModuleNames.Auth, ModuleNames.Messaging, ModuleNames.Audit],
            "every module that takes JSON bodies is found in the route table");

        var actor = await _host.CreateUserAsync();
        var target = await _host.CreateUserAsync();
        var adminToken = await _host.AdminTokenAsync();
        using var admin = _host.Client(ModuleNames.Admin, adminToken);
        var ids = new Dictionary<string, string>
        {
            ["/admin/users/"] = target.Id,
            ["/admin/roles/"] = (await (await admin.PostAsJsonAsync("/admin/roles", new { name = "fuzzrole", permissions = Array.Empty<string>() })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!,
            ["/admin/departments/"] = (await (await admin.PostAsJsonAsync("/admin/departments", new { name = "fuzzdep" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!,
            ["/admin/devices/"] = (await (await admin.PostAsJsonAsync("/admin/devices", new { name = "fuzzdev", kind = "laptop", identifier = "fz-1" })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!,
            ["/admin/channels/"] = "general",
        };

        // Its own client: a refused upload may break a pooled connection the other tests would reuse.
        using var http = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(60) };
        var failures = new ConcurrentQueue<string>();
        var sent = 0;
        var refused = 0;
        var clock = Stopwatch.StartNew();
        var random = new Random(Seed);
        var plans = endpoints
            .SelectMany(e => Enumerable.Range(0, RequestsPerEndpoint).Select(i => (Endpoint: e, Seed: random.Next())))
            .ToList();
        await Parallel.ForEachAsync(plans, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (plan, ct) =>
        {
            var (endpoint, seed) = plan;
            var mutation = new Mutator(new Random(seed));
            var (body, contentType, what) = mutation.Body(Template);
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), _host.Url(endpoint.Module, Fill(endpoint.Path, ids, mutation)));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Module == ModuleNames.Admin ? adminToken : actor.Token);
            var content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            request.Content = content;
            // As a careful client sends a big body: the server may refuse it (413) before it is sent.
            request.Headers.ExpectContinue = body.Length > 8 * 1024;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, ct);
            }
            catch (HttpRequestException) when (body.Length > 16 * 1024)
            {
                // Refused before it was read (413 for its Content-Length) while the client was still writing: plain HTTP.
                Interlocked.Increment(ref refused);
                return;
            }

            using var _ = response;
            Interlocked.Increment(ref sent);
            var status = (int)response.StatusCode;
            var media = response.Content.Headers.ContentType?.MediaType;
            var text = await response.Content.ReadAsStringAsync(ct);
            if (status >= 500)
            {
                failures.Enqueue($"{endpoint.Method} {endpoint.Path} [{what}, seed {seed}] answered {status}: {Shorten(text)}");
            }
            else if (status >= 400 && (media != "application/problem+json" || !HasError(text)))
            {
                failures.Enqueue($"{endpoint.Method} {endpoint.Path} [{what}, seed {seed}] answered {status} as {media ?? "nothing"}: {Shorten(text)}");
            }
        });

        output.WriteLine($"{sent} requests to {endpoints.Count} endpoints in {clock.Elapsed.TotalSeconds:F1} s, {refused} more cut off while sending an oversized body (seed {Seed})");
        failures.Should().BeEmpty($"seed {Seed}");
        sent.Should().BeGreaterThan(2000);
        (await _host.Client(ModuleNames.Auth).GetAsync("/health")).IsSuccessStatusCode.Should().BeTrue();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task No_mutated_websocket_frame_drops_the_connection_without_a_close_frame(int version)
    {
        var user = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        var random = new Random(Seed + version);
        var failures = new List<string>();
        var closes = new Dictionary<WebSocketCloseStatus, int>();
        var socket = await RawSocket.ConnectAsync(_host.Ws(user.Token, version));
        try
        {
            for (var i = 0; i < FramesPerProtocol; i++)
            {
                var seed = random.Next();
                var mutation = new Mutator(new Random(seed));
                var data = new Dictionary<string, object?> { ["channel_id"] = channel.Id, ["type"] = 1, ["content"] = "eA==", ["client_msg_id"] = $"c{i}", ["seq"] = 1 };
                var (frame, binary, what) = mutation.Frame(version, data);
                await socket.SendAsync(frame, binary);

                // Every tenth frame (and the last) the socket must still answer, or have been closed properly.
                // After a frame the server must close for (text that is not UTF-8: 1007; too big: 1009) the
                // client stops sending, as a real one would on reading the close: the framework's WebSocket
                // drops the connection right after its 1007, and data still arriving then resets it.
                var closing = (!binary && !System.Text.Unicode.Utf8.IsValid(frame)) || frame.Length > 100_000;
                if (closing || i % 10 == 9 || i == FramesPerProtocol - 1)
                {
                    // No probe after a frame the server must close for: it would be such late data itself.
                    var alive = !closing && await socket.ProveAliveAsync(version, channel.Id);
                    if (!alive)
                    {
                        var status = await socket.CloseStatusAsync();
                        if (status is null && closing && !binary && !System.Text.Unicode.Utf8.IsValid(frame))
                        {
                            // Known limit of the framework's WebSocket, not of this server: on text that is not
                            // UTF-8 it sends 1007 and aborts the connection at once, and the reset can overtake
                            // the close frame. Counted, not failed; every other frame must end with a close frame.
                            closes[(WebSocketCloseStatus)1006] = closes.GetValueOrDefault((WebSocketCloseStatus)1006) + 1;
                        }
                        else if (status is null)
                        {
                            failures.Add($"v{version} frame {i} [{what}, seed {seed}]: connection ended without a close frame (1006)");
                        }
                        else
                        {
                            closes[status.Value] = closes.GetValueOrDefault(status.Value) + 1;
                            if (status is not (WebSocketCloseStatus.InvalidPayloadData or WebSocketCloseStatus.MessageTooBig))
                            {
                                failures.Add($"v{version} frame {i} [{what}, seed {seed}]: closed with {(int)status} {status}");
                            }
                        }

                        await socket.DisposeAsync();
                        socket = await RawSocket.ConnectAsync(_host.Ws(user.Token, version));
                    }
                }
            }
        }
        finally
        {
            await socket.DisposeAsync();
        }

        output.WriteLine($"v{version}: {FramesPerProtocol} frames, closes: {string.Join(", ", closes.Select(c => $"{(int)c.Key}×{c.Value}"))} (seed {Seed})");
        failures.Should().BeEmpty($"seed {Seed}");
    }

    private static readonly Dictionary<string, object?> Template = new()
    {
        ["name"] = "fuzz name",
        ["description"] = "a description",
        ["permissions"] = new[] { "users.read" },
        ["kind"] = "laptop",
        ["identifier"] = "fz-ident",
        ["notes"] = "notes",
        ["is_active"] = true,
        ["username"] = "fuzzuser",
        ["full_name"] = "Fuzz User",
        ["password"] = "Fuzz-password-1",
        ["role"] = "member",
        ["current_password"] = "wrong-password-1",
        ["new_password"] = "Another-password-2",
        ["channel_id"] = "general",
        ["type"] = 1,
        ["content"] = "eA==",
        ["client_msg_id"] = "fz",
        ["action"] = "fuzz.test",
        ["target_resource"] = "thing",
        ["details"] = "details",
        ["status"] = 1,
        ["user_id"] = "someone",
        ["members"] = new[] { "someone" },
        ["topic"] = "a topic",
    };

    private sealed record BodyEndpoint(string Module, string Method, string Path);

    /// <summary>Every route that accepts a request body, with its module, from the running server.</summary>
    private List<BodyEndpoint> BodyEndpoints() =>
        _host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>() is not null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["POST"])
                .Select(m => new BodyEndpoint(e.Metadata.GetMetadata<ModuleEndpointMetadata>()!.Module, m, "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Distinct()
            .ToList();

    private static string Fill(string path, Dictionary<string, string> ids, Mutator mutation)
    {
        if (!path.Contains('{'))
        {
            return path;
        }

        var known = ids.FirstOrDefault(i => path.StartsWith(i.Key, StringComparison.Ordinal)).Value;
        var id = known is not null && mutation.Chance(0.8) ? known : mutation.Garbage();
        var open = path.IndexOf('{');
        var close = path.IndexOf('}', open);
        return Fill(path[..open] + Uri.EscapeDataString(id) + path[(close + 1)..], ids, mutation);
    }

    private static bool HasError(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] : text;

    /// <summary>Makes one bad input from a random source: a body and its content type, or a frame.</summary>
    private sealed class Mutator(Random random)
    {
        private static readonly byte[][] InvalidUtf8 =
        [
            [0x78, 0xFF], [0x78, 0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xFE, 0xFF],
        ];

        private static readonly string[] LoneSurrogates = ["\\ud800", "\\udfff", "x\\udc00\\ud800", "\\ud83d", "\\ud83d\\u0041"];

        private static readonly string?[] ContentTypes =
        [
            "application/json; charset=ebcdic", "application/json; charset=utf-16", "application/json; charset=\"\"", "application/json; charset=%%%",
            "application/json;charset=latin1", "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
            null, "application/json; charset=utf-8; charset=ebcdic", "application/problem+json", "application/json; charset=UTF-32BE", "*/*", ";;;",
        ];

        public bool Chance(double p) => random.NextDouble() < p;

        public string Garbage() => random.Next(4) switch
        {
            0 => new string('x', random.Next(1, 600)),
            1 => "../../etc/passwd",
            2 => "%00",
            _ => Guid.NewGuid().ToString(),
        };

        public (byte[] Body, string? ContentType, string What) Body(Dictionary<string, object?> template)
        {
            var fields = template.OrderBy(_ => random.Next()).Take(random.Next(1, template.Count + 1)).ToList();
            var kind = random.Next(12);
            var contentType = "application/json";
            string what;
            byte[] body;
            switch (kind)
            {
                case 0 or 1 or 2:
                    (body, what) = Object(fields, MutateValue);
                    break;
                case 3:
                    (body, what) = Object(fields, null);
                    contentType = ContentTypes[random.Next(ContentTypes.Length)];
                    what = $"content type {contentType ?? "none"}";
                    break;
                case 4:
                    (body, _) = Object(fields, null);
                    body = body[..random.Next(body.Length)];
                    what = "truncated";
                    break;
                case 5:
                    var depth = random.Next(60, 3000);
                    body = Encoding.ASCII.GetBytes(new string('[', depth) + new string(']', random.Next(2) == 0 ? depth : 0));
                    what = $"nested {depth} deep";
                    break;
                case 6:
                    var nested = random.Next(60, 1500);
                    body = Encoding.ASCII.GetBytes("{\"name\":" + string.Concat(Enumerable.Repeat("{\"a\":", nested)) + "1" + new string('}', nested + 1));
                    what = $"object nested {nested} deep";
                    break;
                case 7:
                    var size = random.Next(4) > 0 ? random.Next(200_000, 400_000) : random.Next(2_000_000, 4_000_000);
                    body = Encoding.ASCII.GetBytes("{\"name\":\"" + new string('a', size) + "\"}");
                    what = $"huge ({size} bytes)";
                    break;
                case 8:
                    body = new byte[random.Next(0, 2000)];
                    random.NextBytes(body);
                    what = "random bytes";
                    break;
                case 9:
                    string[] roots = ["[]", "\"text\"", "1", "null", "true", "", " ", "{}", "{\"a\":1,\"a\":2}", "\uFEFF{}", "{\"name\":\"a\"}garbage", "{'name':'a'}", "NaN"];
                    body = Encoding.UTF8.GetBytes(roots[random.Next(roots.Length)]);
                    what = $"root {Encoding.UTF8.GetString(body)}";
                    break;
                default:
                    (body, what) = Object(fields, MutateValue);
                    contentType = random.Next(2) == 0 ? "application/json; charset=utf-8" : ContentTypes[random.Next(ContentTypes.Length)];
                    what += $", content type {contentType ?? "none"}";
                    break;
            }

            return (body, contentType, what);
        }

        public (byte[] Frame, bool Binary, string What) Frame(int version, Dictionary<string, object?> data)
        {
            var fields = data.ToList();
            var kind = random.Next(9);
            byte[] inner;
            string what;
            if (kind == 0)
            {
                inner = new byte[random.Next(0, 300)];
                random.NextBytes(inner);
                what = "random bytes";
            }
            else if (kind == 1)
            {
                inner = Encoding.ASCII.GetBytes(new string('[', random.Next(60, 2000)));
                what = "deep";
            }
            else if (kind == 2)
            {
                var whole = Object(fields, null).Body;
                inner = whole[..random.Next(whole.Length)];
                what = "truncated";
            }
            else if (kind == 3 && random.Next(4) == 0)
            {
                inner = Encoding.ASCII.GetBytes("{\"content\":\"" + new string('A', random.Next(200_000, 600_000)) + "\"}");
                what = "over the frame limit";
            }
            else
            {
                (inner, what) = Object(fields, MutateValue);
            }

            if (version == 2 && kind >= 2)
            {
                string[] events = ["send", "typing", "read", "ping", "dance", ""];
                var name = events[random.Next(events.Length)];
                inner = [.. Encoding.UTF8.GetBytes($"{{\"event\":\"{name}\",\"data\":"), .. inner, .. "}"u8.ToArray()];
                what = $"{name}: {what}";
            }

            return (inner, random.Next(20) == 0, what);
        }

        private (byte[] Body, string What) Object(List<KeyValuePair<string, object?>> fields, Func<byte[]?>? mutate)
        {
            var target = fields.Count == 0 ? -1 : random.Next(fields.Count);
            var what = "valid";
            using var stream = new MemoryStream();
            stream.WriteByte((byte)'{');
            for (var i = 0; i < fields.Count; i++)
            {
                if (i > 0)
                {
                    stream.WriteByte((byte)',');
                }

                stream.Write(JsonSerializer.SerializeToUtf8Bytes(fields[i].Key));
                stream.WriteByte((byte)':');
                var value = i == target ? mutate?.Invoke() : null;
                if (value is not null)
                {
                    what = $"{fields[i].Key} = {Printable(value)}";
                }

                stream.Write(value ?? JsonSerializer.SerializeToUtf8Bytes(fields[i].Value));
            }

            stream.WriteByte((byte)'}');
            return (stream.ToArray(), what);
        }

        private byte[] MutateValue() => random.Next(9) switch
        {
            0 or 1 => [(byte)'"', .. InvalidUtf8[random.Next(InvalidUtf8.Length)], (byte)'"'],
            2 or 3 => Encoding.ASCII.GetBytes($"\"{LoneSurrogates[random.Next(LoneSurrogates.Length)]}\""),
            4 => Encoding.ASCII.GetBytes(new[] { "12", "-1", "1e400", "1.5", "-0", "99999999999999999999999", "true", "null" }[random.Next(8)]),
            5 => Encoding.ASCII.GetBytes(new[] { "[]", "{}", "[1,\"a\",null]", "{\"x\":{\"y\":[]}}", "[\"\\ud800\"]" }[random.Next(5)]),
            6 => Encoding.ASCII.GetBytes("\"" + new string('z', random.Next(1000, 70_000)) + "\""),
            7 => Encoding.ASCII.GetBytes("\"\\u0000<img src=x onerror=alert(1)>\\t\""),
            _ => Encoding.ASCII.GetBytes("\"" + new string('\\', random.Next(1, 4)) + "\""),
        };

        private static string Printable(byte[] value) =>
            value.Length > 40 ? $"{value.Length} bytes" : Convert.ToHexString(value);
    }

    /// <summary>A WebSocket read in the background, remembering how it ended.</summary>
    private sealed class RawSocket : IAsyncDisposable
    {
        private readonly ClientWebSocket _socket = new();
        private readonly System.Threading.Channels.Channel<string> _frames = System.Threading.Channels.Channel.CreateUnbounded<string>();
        private readonly TaskCompletionSource<WebSocketCloseStatus?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<RawSocket> ConnectAsync(Uri uri)
        {
            var socket = new RawSocket();
            await socket._socket.ConnectAsync(uri, CancellationToken.None);
            _ = Task.Run(socket.ReadAsync);
            return socket;
        }

        public async Task SendAsync(byte[] frame, bool binary)
        {
            if (_closed.Task.IsCompleted)
            {
                return;
            }

            try
            {
                await _socket.SendAsync(frame, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The server closed it (a send on an aborted socket is a cancellation); how it closed is judged from the read side.
            }
        }

        /// <summary>True when the socket still answers: a pong (v2), or our own message back (v1).</summary>
        public async Task<bool> ProveAliveAsync(int version, string channelId)
        {
            var marker = $"alive-{Guid.NewGuid():N}";
            var probe = version == 2
                ? JsonSerializer.Serialize(new { @event = "ping", data = new { marker } })
                : JsonSerializer.Serialize(new { channel_id = channelId, type = 1, content = Convert.ToBase64String(Encoding.UTF8.GetBytes(marker)) });
            await SendAsync(Encoding.UTF8.GetBytes(probe), binary: false);
            var expected = version == 2 ? marker : Convert.ToBase64String(Encoding.UTF8.GetBytes(marker));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                while (await _frames.Reader.WaitToReadAsync(timeout.Token))
                {
                    while (_frames.Reader.TryRead(out var frame))
                    {
                        if (frame.Contains(expected, StringComparison.Ordinal))
                        {
                            return true;
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            return false;
        }

        public Task<WebSocketCloseStatus?> CloseStatusAsync() => _closed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        public ValueTask DisposeAsync()
        {
            _socket.Abort();
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }

        private async Task ReadAsync()
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        _closed.TrySetResult(_socket.CloseStatus);
                        _frames.Writer.TryComplete();
                        return;
                    }

                    var length = result.Count;
                    while (!result.EndOfMessage)
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                        length += result.Count;
                    }

                    _frames.Writer.TryWrite(Encoding.UTF8.GetString(buffer, 0, length));
                }
            }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                _closed.TrySetResult(null);
                _frames.Writer.TryComplete();
            }
        }
    }
}
