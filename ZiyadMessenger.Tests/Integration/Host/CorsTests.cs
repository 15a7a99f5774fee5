using System.Net;
using Microsoft.Extensions.Options;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary>CONTRACT §0: Auth, Messaging, Files and Presence answer CORS for the web client's own origin and the configured ones; nothing else.</summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string Partner = "https://partner.example";
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync(new Dictionary<string, string?>
    {
        ["ZiyadMessenger:Cors:Origins:0"] = Partner + "/",
        ["ZiyadMessenger:Cors:Origins:1"] = "http://10.1.2.3:3000",
        ["ZiyadMessenger:Cors:PreflightMaxAgeSeconds"] = "900",
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The web client's origin: the Messaging port on the host name the browser used (here 127.0.0.1).</summary>
    private string OwnOrigin => $"http://127.0.0.1:{_host.Ports[ModuleNames.Messaging]}";

    public static TheoryData<string> BrowserModules => new() { ModuleNames.Auth, ModuleNames.Messaging, ModuleNames.Files, ModuleNames.Presence };

    public static TheoryData<string> OtherModules => new() { ModuleNames.Admin, ModuleNames.Audit, ModuleNames.Cluster };

    private async Task<HttpResponseMessage> PreflightAsync(string module, string origin, string path = "/health", string method = "POST", string headers = "authorization,content-type")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return await _host.Client(module).SendAsync(request);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [Theory]
    [MemberData(nameof(BrowserModules))]
    public async Task A_preflight_from_the_web_client_is_allowed_with_the_token_header_cached_and_without_cookies(string module)
    {
        var response = await PreflightAsync(module, OwnOrigin);

        response.StatusCode.Should().Be(HttpStatusCode.NoContent);
        Header(response, "Access-Control-Allow-Origin").Should().Be(OwnOrigin);
        Header(response, "Access-Control-Allow-Headers")!.ToLowerInvariant().Should().Contain("authorization").And.Contain("content-type").And.Contain("x-file-key");
        Header(response, "Access-Control-Allow-Methods").Should().Contain("POST").And.Contain("DELETE");
        Header(response, "Access-Control-Max-Age").Should().Be("900");
        Header(response, "Access-Control-Allow-Credentials").Should().BeNull("the token travels in a header; cookies are never invited");
        response.Headers.Vary.Should().Contain("Origin");
    }

    [Theory]
    [MemberData(nameof(BrowserModules))]
    public async Task A_configured_origin_is_allowed_and_any_other_is_not(string module)
    {
        Header(await PreflightAsync(module, Partner), "Access-Control-Allow-Origin").Should().Be(Partner);
        Header(await PreflightAsync(module, "HTTP://10.1.2.3:3000"), "Access-Control-Allow-Origin").Should().NotBeNull();

        foreach (var stranger in new[]
                 {
                     "https://evil.example", "http://partner.example", "https://partner.example:8443", "null",
                     $"http://localhost:{_host.Ports[ModuleNames.Messaging]}", // another host name than the request's
                     $"http://127.0.0.1:{_host.Ports[ModuleNames.Admin]}",      // this server, but not the web client's port
                     $"https://127.0.0.1:{_host.Ports[ModuleNames.Messaging]}x",
                 })
        {
            var response = await PreflightAsync(module, stranger);
            Header(response, "Access-Control-Allow-Origin").Should().BeNull($"{stranger} is not allowed");
            Header(response, "Access-Control-Allow-Methods").Should().BeNull();
        }
    }

    [Theory]
    [MemberData(nameof(OtherModules))]
    public async Task Admin_Audit_and_Cluster_answer_no_CORS_request_even_from_the_web_client(string module)
    {
        var preflight = await PreflightAsync(module, OwnOrigin);
        Header(preflight, "Access-Control-Allow-Origin").Should().BeNull();

        var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", OwnOrigin);
        Header(await _host.Client(module).SendAsync(request), "Access-Control-Allow-Origin").Should().BeNull();
    }

    [Fact]
    public async Task Actual_requests_carry_the_headers_even_when_they_fail_so_the_page_can_read_the_error()
    {
        var user = await _host.CreateUserAsync();
        var ok = new HttpRequestMessage(HttpMethod.Get, "/me");
        ok.Headers.Add("Origin", OwnOrigin);
        ok.Headers.Authorization = new("Bearer", user.Token);
        var answer = await _host.Client(ModuleNames.Auth).SendAsync(ok);
        answer.StatusCode.Should().Be(HttpStatusCode.OK);
        Header(answer, "Access-Control-Allow-Origin").Should().Be(OwnOrigin);
        Header(answer, "Access-Control-Expose-Headers").Should().Contain("X-Request-ID");

        var denied = new HttpRequestMessage(HttpMethod.Get, "/me");
        denied.Headers.Add("Origin", OwnOrigin);
        var unauthorized = await _host.Client(ModuleNames.Auth).SendAsync(denied);
        unauthorized.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        Header(unauthorized, "Access-Control-Allow-Origin").Should().Be(OwnOrigin);

        var stranger = new HttpRequestMessage(HttpMethod.Get, "/me");
        stranger.Headers.Add("Origin", "https://evil.example");
        stranger.Headers.Authorization = new("Bearer", user.Token);
        Header(await _host.Client(ModuleNames.Auth).SendAsync(stranger), "Access-Control-Allow-Origin").Should().BeNull();
    }

    [Theory]
    [InlineData("*")]
    [InlineData("partner.example")]
    [InlineData("https://partner.example/app")]
    [InlineData("ftp://partner.example")]
    [InlineData("https://user@partner.example")]
    public async Task An_origin_that_is_not_one_stops_the_start_naming_the_setting(string origin)
    {
        var act = () => TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Cors:Origins:0"] = origin });

        var error = await act.Should().ThrowAsync<OptionsValidationException>();
        error.Which.Message.Should().Contain("ZiyadMessenger:Cors:Origins").And.Contain(origin);
    }
}
