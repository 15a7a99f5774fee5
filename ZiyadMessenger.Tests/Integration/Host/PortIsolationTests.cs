using System.Net;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

public sealed class PortIsolationTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    [Theory]
    [MemberData(nameof(Modules))]
    public async Task Each_module_answers_health_on_its_own_port(string module)
    {
        var response = await _host.Client(module).GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("module").GetString().Should().Be(module);
    }

    [Fact]
    public async Task Status_on_presence_and_cluster_reaches_two_different_modules()
    {
        var presence = await _host.Client(ModuleNames.Presence).GetAsync("/status?user_id=x");
        var cluster = await _host.Client(ModuleNames.Cluster).GetAsync("/status");

        cluster.StatusCode.Should().Be(HttpStatusCode.OK);
        var presenceBody = await presence.Content.ReadAsStringAsync();
        var clusterBody = await cluster.Content.ReadAsStringAsync();
        presenceBody.Should().NotBe(clusterBody);
    }

    [Fact]
    public async Task A_path_of_another_module_is_404_on_the_wrong_port()
    {
        var response = await _host.Client(ModuleNames.Messaging).GetAsync("/admin/system/health");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task A_forged_host_header_cannot_reach_another_module()
    {
        // Ask the Auth listener for Admin's path, claiming to be the admin port in the Host header.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/system/health");
        request.Headers.Host = $"127.0.0.1:{_host.Ports[ModuleNames.Admin]}";
        var response = await _host.Client(ModuleNames.Auth).SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);

        using var statusRequest = new HttpRequestMessage(HttpMethod.Get, "/status");
        statusRequest.Headers.Host = $"127.0.0.1:{_host.Ports[ModuleNames.Cluster]}";
        var status = await _host.Client(ModuleNames.Auth).SendAsync(statusRequest);
        status.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Request_id_is_echoed_when_given_and_generated_otherwise()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("X-Request-ID", "client-chosen-42");
        var echoed = await _host.Client(ModuleNames.Auth).SendAsync(request);
        echoed.Headers.GetValues("X-Request-ID").Single().Should().Be("client-chosen-42");

        var generated = await _host.Client(ModuleNames.Auth).GetAsync("/health");
        var id = generated.Headers.GetValues("X-Request-ID").Single();
        id.Should().NotBeNullOrWhiteSpace().And.NotBe("client-chosen-42");

        using var tooLong = new HttpRequestMessage(HttpMethod.Get, "/health");
        tooLong.Headers.Add("X-Request-ID", new string('a', 129));
        var replaced = await _host.Client(ModuleNames.Auth).SendAsync(tooLong);
        replaced.Headers.GetValues("X-Request-ID").Single().Length.Should().BeLessThanOrEqualTo(128);
    }

    public static TheoryData<string> Modules() => new(ModuleNames.All);
}
