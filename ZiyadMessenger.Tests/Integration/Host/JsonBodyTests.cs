using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Admin;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary>
/// The bodies that answered 500 before every JSON body went through one door (charset, then valid
/// Unicode text, then binding): each is now a 4xx in the contract's error format.
/// </summary>
public sealed class JsonBodyTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    /// <summary>A string member whose text is not Unicode: raw invalid UTF-8, or an escaped lone surrogate.</summary>
    public static TheoryData<string> BadStrings => new() { "78 ff", "78 c0 af", "\\udfff", "\\ud800" };

    [Theory]
    [MemberData(nameof(BadStrings))]
    public async Task A_string_that_is_not_unicode_text_is_a_400_on_every_endpoint_that_reads_one(string bad)
    {
        using var admin = await _host.AdminClientAsync();
        var role = await (await admin.PostAsJsonAsync("/admin/roles", new { name = Unique("role"), permissions = Array.Empty<string>() })).JsonAsync(HttpStatusCode.Created);
        var department = await (await admin.PostAsJsonAsync("/admin/departments", new { name = Unique("dep") })).JsonAsync(HttpStatusCode.Created);
        var device = await (await admin.PostAsJsonAsync("/admin/devices", new { name = Unique("dev"), kind = "laptop", identifier = Unique("id") })).JsonAsync(HttpStatusCode.Created);
        var user = await _host.CreateUserAsync();
        using var asUser = _host.Client(ModuleNames.Audit, user.Token);

        var cases = new (HttpClient Client, HttpMethod Method, string Path, string Field)[]
        {
            (admin, HttpMethod.Post, "/admin/departments", "name"),
            (admin, HttpMethod.Put, $"/admin/departments/{department.Str("id")}", "name"),
            (admin, HttpMethod.Post, "/admin/roles", "name"),
            (admin, HttpMethod.Put, $"/admin/roles/{role.Str("id")}", "description"),
            (admin, HttpMethod.Post, "/admin/devices", "name"),
            (admin, HttpMethod.Put, $"/admin/devices/{device.Str("id")}", "notes"),
            (admin, HttpMethod.Put, $"/admin/users/{user.Id}", "full_name"),
            (asUser, HttpMethod.Post, "/log", "details"),
        };
        foreach (var (client, method, path, field) in cases)
        {
            var body = Concat("{\"action\":\"fuzz.case\",\"kind\":\"laptop\",\"identifier\":\"i-", Unique(""), "\",\"", field, "\":\"", StringBytes(bad), "\"}");
            using var request = new HttpRequestMessage(method, path) { Content = Json(body) };

            var response = await client.SendAsync(request);

            var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
            problem.Str("error").Should().Contain("not valid Unicode text", $"{method} {path} with {bad}");
        }

        (await (await admin.GetAsync("/admin/departments")).Content.ReadAsStringAsync()).Should().NotContain("\uFFFD", "nothing half-decoded was stored");
    }

    public static TheoryData<string, string> CharsetEndpoints => new()
    {
        { ModuleNames.Auth, "/change-password" },
        { ModuleNames.Auth, "/login" },
        { ModuleNames.Auth, "/register" },
        { ModuleNames.Admin, "/admin/login" },
        { ModuleNames.Admin, "/admin/admins" },
        { ModuleNames.Admin, "/admin/users" },
        { ModuleNames.Messaging, "/send" },
    };

    [Theory]
    [MemberData(nameof(CharsetEndpoints))]
    public async Task A_json_body_in_an_unknown_or_non_utf8_charset_is_a_415(string module, string path)
    {
        var user = await _host.CreateUserAsync();
        using var client = module == ModuleNames.Admin
            ? _host.Client(module, await _host.AdminTokenAsync())
            : _host.Client(module, user.Token);

        foreach (var charset in new[] { "ebcdic", "utf-16", "x-no-such-charset" })
        {
            var content = new ByteArrayContent("{\"username\":\"a\",\"password\":\"b\"}"u8.ToArray());
            content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/json; charset={charset}");

            var response = await client.PostAsync(path, content);

            var problem = await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
            problem.Str("error").Should().Contain("UTF-8", $"{path} with charset {charset}");
        }

        var utf8 = new ByteArrayContent("{}"u8.ToArray());
        utf8.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=UTF-8");
        ((int)(await client.PostAsync(path, utf8)).StatusCode).Should().NotBe(415, "UTF-8, however spelled, is JSON's charset");
    }

    [Fact]
    public async Task A_body_with_a_byte_order_mark_is_still_read()
    {
        var user = await _host.CreateUserAsync();
        var body = Concat("\uFEFF", JsonSerializer.Serialize(new { username = user.Username, password = user.Password }));

        var response = await _host.Client(ModuleNames.Auth).PostAsync("/login", Json(body));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_16_MB_v2_frame_is_closed_with_1009_like_a_small_oversized_one()
    {
        var user = await _host.CreateUserAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(_host.Ws(user.Token, 2), CancellationToken.None);
        var huge = Encoding.UTF8.GetBytes("{\"event\":\"send\",\"data\":{\"channel_id\":\"general\",\"type\":1,\"content\":\"" + new string('A', 16 * 1024 * 1024) + "\"}}");

        var receiving = ReceiveCloseAsync(socket);
        try
        {
            await socket.SendAsync(huge, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // Tolerated only if the close frame still arrived (checked below).
        }

        (await receiving.WaitAsync(TimeSpan.FromSeconds(60))).Should().Be(WebSocketCloseStatus.MessageTooBig);
    }

    /// <summary>Reads until the server's close frame; null when the connection ended without one (1006).</summary>
    internal static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return result.CloseStatus;
                }
            }
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    internal static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    internal static ByteArrayContent Json(string body) => Json(Encoding.UTF8.GetBytes(body));

    /// <summary>"78 ff" is raw bytes; anything else is the JSON escape text as written.</summary>
    private static byte[] StringBytes(string bad) =>
        bad.StartsWith('\\') ? Encoding.ASCII.GetBytes(bad) : Convert.FromHexString(bad.Replace(" ", ""));

    private static byte[] Concat(params object[] parts) =>
        parts.SelectMany(p => p as byte[] ?? Encoding.UTF8.GetBytes((string)p)).ToArray();

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..8]}";
}
