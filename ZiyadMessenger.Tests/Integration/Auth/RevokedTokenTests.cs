using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>
/// A token ended by a logout or a password change is refused everywhere a user token is accepted, not
/// only by Auth: every user endpoint of Messaging, Files and Presence, and the WebSocket.
/// </summary>
public sealed class RevokedTokenTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static readonly string[] Modules = [ModuleNames.Messaging, ModuleNames.Files, ModuleNames.Presence];
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task A_token_ended_by_logout_is_refused_by_messaging_files_and_presence()
    {
        var user = await _host.CreateUserAsync();
        await ExpectAcceptedEverywhereAsync(user.Token);

        using (var auth = _host.Client(ModuleNames.Auth, user.Token))
        {
            (await auth.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        await ExpectRefusedEverywhereAsync(user.Token);
        await ExpectAcceptedEverywhereAsync(await _host.LoginAsync(user.Username, user.Password));
    }

    [Fact]
    public async Task Other_tokens_ended_by_a_password_change_are_refused_by_messaging_files_and_presence()
    {
        var user = await _host.CreateUserAsync();
        var otherDevice = await _host.LoginAsync(user.Username, user.Password);
        await ExpectAcceptedEverywhereAsync(otherDevice);

        using (var auth = _host.Client(ModuleNames.Auth, user.Token))
        {
            (await auth.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = user.Password + "-changed" }))
                .StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        await ExpectRefusedEverywhereAsync(otherDevice);
        // The token that changed the password keeps working (the contract), so the refusals above are the revocation's.
        await ExpectAcceptedEverywhereAsync(user.Token);
    }

    /// <summary>Every endpoint of the three modules that takes a user token, as routing knows them (new ones included).</summary>
    private List<(string Module, string Method, string Path)> UserEndpoints()
    {
        var endpoints = ((IEndpointRouteBuilder)_host.App).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<ModuleEndpointMetadata>() is { } owner && Modules.Contains(owner.Module))
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null
                && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy is AuthPolicies.User or AuthPolicies.AnyAccount))
            .Select(e => (
                Module: e.Metadata.GetMetadata<ModuleEndpointMetadata>()!.Module,
                Method: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.FirstOrDefault() ?? "GET",
                Path: "/" + string.Join('/', e.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
                {
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart => "1",
                    Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                    _ => "",
                }))))))
            .ToList();

        // What the contract names must be among them, or the enumeration above missed something.
        endpoints.Select(e => $"{e.Module} {e.Method} {e.Path}").Should().Contain(
        [
            "Messaging GET /ws", "Messaging POST /send", "Messaging GET /history", "Messaging GET /channels",
            "Files POST /upload", "Files GET /download",
            "Presence POST /heartbeat", "Presence GET /status",
        ]);
        return endpoints;
    }

    private async Task<HttpResponseMessage> CallAsync(string token, (string Module, string Method, string Path) endpoint)
    {
        using var client = _host.Client(endpoint.Module, token);
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path + "?channel_id=general&user_id=1&id=1&key=1");
        if (endpoint.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = JsonContent.Create(new { });
        }

        return await client.SendAsync(request);
    }

    private async Task ExpectRefusedEverywhereAsync(string token)
    {
        foreach (var endpoint in UserEndpoints())
        {
            var response = await CallAsync(token, endpoint);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{endpoint} with an ended token");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        var socket = async () => await WsClient.ConnectAsync(_host.Ws(token, 2));
        await socket.Should().ThrowAsync<System.Net.WebSockets.WebSocketException>("the WebSocket refuses an ended token too");
    }

    /// <summary>The same calls with a live token get past authentication (their answer may be 400 or 404, never 401).</summary>
    private async Task ExpectAcceptedEverywhereAsync(string token)
    {
        foreach (var endpoint in UserEndpoints())
        {
            (await CallAsync(token, endpoint)).StatusCode.Should().NotBe(HttpStatusCode.Unauthorized, $"{endpoint} with a live token");
        }

        await using var socket = await WsClient.ConnectAsync(_host.Ws(token, 2));
        socket.State.Should().Be(System.Net.WebSockets.WebSocketState.Open);
    }
}
