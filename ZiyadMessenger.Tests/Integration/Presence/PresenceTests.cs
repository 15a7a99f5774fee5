using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Presence;

public sealed class PresenceTests(PresenceFixture fixture) : IClassFixture<PresenceFixture>
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(PresenceFixture.OfflineAfterSeconds);
    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task A_heartbeat_makes_the_user_online_with_a_last_seen_time()
    {
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var response = await _host.HeartbeatAsync(alice, 1);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var status = await _host.StatusAsync(bob, alice.Id);
        status.GetProperty("user_id").GetString().Should().Be(alice.Id);
        status.GetProperty("status").GetInt32().Should().Be(1);
        var lastSeen = DateTimeOffset.Parse(status.GetProperty("last_seen").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        lastSeen.Should().BeAfter(before).And.BeBefore(DateTimeOffset.UtcNow.AddSeconds(1));
        status.GetProperty("last_seen").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$");
    }

    [Fact]
    public async Task A_user_never_seen_is_offline_with_null_last_seen()
    {
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();

        var status = await _host.StatusAsync(alice, bob.Id);

        status.GetProperty("status").GetInt32().Should().Be(0);
        status.GetProperty("last_seen").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Busy_and_away_are_shown_and_online_clears_them()
    {
        var alice = await _host.CreateUserAsync();

        (await _host.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(2);
        (await _host.HeartbeatAsync(alice, 3)).EnsureSuccessStatusCode();
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(3);
        var back = await _host.HeartbeatAsync(alice, 1);

        (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().Should().Be(1, "the heartbeat answers with the status now shown");
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(1);
    }

    [Fact]
    public async Task A_heartbeat_with_status_0_signs_off_at_once()
    {
        var alice = await _host.CreateUserAsync();
        (await _host.HeartbeatAsync(alice, 1)).EnsureSuccessStatusCode();

        (await _host.HeartbeatAsync(alice, 0)).EnsureSuccessStatusCode();

        var status = await _host.StatusAsync(alice, alice.Id);
        status.GetProperty("status").GetInt32().Should().Be(0);
        status.GetProperty("last_seen").ValueKind.Should().Be(JsonValueKind.String);
    }

    [Fact]
    public async Task Without_heartbeats_a_user_goes_offline_after_the_window_keeping_last_seen()
    {
        var alice = await _host.CreateUserAsync();
        (await _host.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        var seen = (await _host.StatusAsync(alice, alice.Id)).GetProperty("last_seen").GetString();

        var offline = await _host.WaitForStatusAsync(alice, alice.Id, 0, Window * 4);

        offline.GetProperty("last_seen").GetString().Should().Be(seen);
        (await _host.HeartbeatAsync(alice, 1)).EnsureSuccessStatusCode();
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(1);
    }

    [Fact]
    public async Task Heartbeats_within_the_window_keep_the_user_online()
    {
        var alice = await _host.CreateUserAsync();
        for (var i = 0; i < 6; i++)
        {
            (await _host.HeartbeatAsync(alice, 1)).EnsureSuccessStatusCode();
            await Task.Delay(Window / 4);
            (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(1);
        }
    }

    [Fact]
    public async Task An_open_websocket_counts_as_online_and_the_window_starts_when_it_closes()
    {
        var alice = await _host.CreateUserAsync();
        var socket = await _host.ConnectAsync(alice);

        await _host.WaitForStatusAsync(alice, alice.Id, 1);
        await Task.Delay(Window * 1.5);
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(1, "the socket is still open, with no heartbeat at all");
        var whileConnected = DateTimeOffset.Parse((await _host.StatusAsync(alice, alice.Id)).GetProperty("last_seen").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        whileConnected.Should().BeAfter(DateTimeOffset.UtcNow.AddSeconds(-2), "someone connected is being seen now");

        await socket.DisposeAsync();
        await Task.Delay(Window / 4);
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(1, "a closed socket leaves the user online for the window");
        await _host.WaitForStatusAsync(alice, alice.Id, 0, Window * 4);
    }

    [Fact]
    public async Task Busy_persists_while_connected_and_is_forgotten_after_going_offline()
    {
        var alice = await _host.CreateUserAsync();
        var socket = await _host.ConnectAsync(alice);
        await _host.WaitForStatusAsync(alice, alice.Id, 1);

        (await _host.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        await Task.Delay(Window * 1.5);
        (await _host.StatusCodeOfAsync(alice, alice.Id)).Should().Be(2, "busy lasts while the socket is open, past the heartbeat window");

        await socket.DisposeAsync();
        await _host.WaitForStatusAsync(alice, alice.Id, 0, Window * 4);
        await using var again = await _host.ConnectAsync(alice);
        await _host.WaitForStatusAsync(alice, alice.Id, 1);
    }

    [Fact]
    public async Task Two_sockets_keep_the_user_online_until_both_are_closed()
    {
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var first = await _host.ConnectAsync(alice);
        var second = await _host.ConnectAsync(alice);
        await _host.WaitForStatusAsync(bob, alice.Id, 1);

        // One socket closed, and longer than the heartbeat window passed: the other still holds her online.
        await first.DisposeAsync();
        await Task.Delay(Window * 1.5);
        (await _host.StatusCodeOfAsync(bob, alice.Id)).Should().Be(1, "one of her two sockets is still open");

        // The last socket closed: she goes offline (within a generous bound) and stays so.
        await second.DisposeAsync();
        var offline = await _host.WaitForStatusAsync(bob, alice.Id, 0, Window * 10);
        offline.GetProperty("last_seen").ValueKind.Should().Be(JsonValueKind.String);
        await Task.Delay(Window * 1.5);
        (await _host.StatusCodeOfAsync(bob, alice.Id)).Should().Be(0);
    }

    [Fact]
    public async Task Status_changes_are_pushed_to_v2_sockets()
    {
        var observer = await _host.CreateUserAsync();
        var alice = await _host.CreateUserAsync();
        await using var watching = await _host.ConnectAsync(observer, version: 2);
        await _host.WaitForStatusAsync(observer, observer.Id, 1);

        (await _host.HeartbeatAsync(alice, 1)).EnsureSuccessStatusCode();
        var online = await NextPresenceOfAsync(watching, alice.Id);
        (await _host.HeartbeatAsync(alice, 3)).EnsureSuccessStatusCode();
        var away = await NextPresenceOfAsync(watching, alice.Id);
        var offline = await NextPresenceOfAsync(watching, alice.Id, Window * 4);

        online.GetProperty("status").GetInt32().Should().Be(1);
        away.GetProperty("status").GetInt32().Should().Be(3);
        offline.GetProperty("status").GetInt32().Should().Be(0);
        offline.GetProperty("last_seen").ValueKind.Should().Be(JsonValueKind.String);
    }

    [Fact]
    public async Task Only_the_caller_may_set_their_own_status()
    {
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();

        var response = await _host.Presence(alice).PostAsJsonAsync("/heartbeat", new { user_id = bob.Id, status = 3 });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await Problem(response)).GetProperty("error").GetString().Should().Contain("own");
        (await _host.StatusCodeOfAsync(alice, bob.Id)).Should().Be(0);
    }

    [Theory]
    [InlineData("{\"status\": 4}", "status")]
    [InlineData("{\"status\": -1}", "status")]
    [InlineData("{\"status\": 1000000}", "status")]
    [InlineData("{}", "status")]
    [InlineData("{\"status\": null}", "status")]
    [InlineData("{\"user_id\": \"\", \"status\": 1}", "user_id")]
    [InlineData("{\"user_id\": null, \"status\": 1}", "user_id")]
    public async Task Bad_heartbeats_are_400_naming_the_field(string template, string field)
    {
        var alice = await _host.CreateUserAsync();
        // Put the caller's own id in when the case is about the status.
        var body = template.Contains("user_id") ? template : template.Replace("{", $"{{\"user_id\": \"{alice.Id}\",");
        body = body.Replace(",}", "}");

        var response = await _host.Presence(alice).PostAsync("/heartbeat", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Problem(response)).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
    }

    [Theory]
    [InlineData("{\"user_id\": \"x\", \"status\": true}")]
    [InlineData("{\"user_id\": \"x\", \"status\": 1.5}")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1]")]
    public async Task Malformed_heartbeat_bodies_are_400(string body)
    {
        var alice = await _host.CreateUserAsync();

        var response = await _host.Presence(alice).PostAsync("/heartbeat", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await Problem(response);
    }

    [Fact]
    public async Task Presence_needs_a_token()
    {
        var alice = await _host.CreateUserAsync();
        var anonymous = _host.Client(ModuleNames.Presence);

        (await anonymous.PostAsJsonAsync("/heartbeat", new { user_id = alice.Id, status = 1 })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync($"/status?user_id={alice.Id}")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Several_users_at_once_come_back_in_the_order_asked_with_unknown_ids_listed()
    {
        var asker = await _host.CreateUserAsync();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        (await _host.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
        (await _host.HeartbeatAsync(carol, 3)).EnsureSuccessStatusCode();

        var response = await _host.Presence(asker).GetAsync($"/status?user_ids={carol.Id},{bob.Id},nobody,{alice.Id},{carol.Id}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var statuses = body.GetProperty("statuses").EnumerateArray().ToList();
        statuses.Select(s => s.GetProperty("user_id").GetString()).Should().Equal(carol.Id, bob.Id, alice.Id);
        statuses.Select(s => s.GetProperty("status").GetInt32()).Should().Equal(3, 0, 2);
        statuses[1].GetProperty("last_seen").ValueKind.Should().Be(JsonValueKind.Null);
        body.GetProperty("unknown").EnumerateArray().Select(e => e.GetString()).Should().Equal("nobody");
    }

    [Theory]
    [InlineData("/status")]
    [InlineData("/status?user_id=")]
    [InlineData("/status?user_ids=")]
    [InlineData("/status?user_ids=a,,b")]
    [InlineData("/status?user_id=a&user_ids=b,c")]
    public async Task Bad_status_queries_are_400(string path)
    {
        var asker = await _host.CreateUserAsync();

        var response = await _host.Presence(asker).GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        await Problem(response);
    }

    [Fact]
    public async Task Too_many_ids_or_too_long_an_id_is_400()
    {
        var asker = await _host.CreateUserAsync();
        var client = _host.Presence(asker);

        var tooMany = await client.GetAsync("/status?user_ids=" + string.Join(",", Enumerable.Range(0, 201).Select(i => $"u{i}")));
        var tooLong = await client.GetAsync("/status?user_id=" + new string('a', 65));

        tooMany.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        tooLong.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_unknown_user_is_404()
    {
        var asker = await _host.CreateUserAsync();

        var response = await _host.Presence(asker).GetAsync("/status?user_id=does-not-exist");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        await Problem(response);
    }

    [Fact]
    public async Task Other_modules_get_the_same_answer_on_the_bus()
    {
        var alice = await _host.CreateUserAsync();
        (await _host.HeartbeatAsync(alice, 3)).EnsureSuccessStatusCode();

        await using var scope = _host.Services.CreateAsyncScope();
        var presence = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetPresence([alice.Id, "never-seen"]));

        presence.Should().HaveCount(2);
        presence[0].Status.Should().Be(UserStatus.Away);
        presence[0].LastSeen.Should().NotBeNull();
        presence[1].Should().Be(new PresenceInfo("never-seen", UserStatus.Offline, null));
    }

    private static async Task<JsonElement> NextPresenceOfAsync(WsClient socket, string userId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var data = await socket.ReceiveEventAsync("presence", deadline - DateTime.UtcNow);
            if (data.GetProperty("user_id").GetString() == userId)
            {
                return data;
            }
        }
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        return problem;
    }
}
