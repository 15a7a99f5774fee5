using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Files;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary>
/// A node whose PostgreSQL database goes away (CONTRACT §6): every module's <c>/health</c> answers 503 so a
/// load balancer routes around it, requests that need the store answer 503 in the problem format at once
/// (no hang), and the node comes back by itself when the database does, with no restart.
/// </summary>
public sealed class StoreOutageTests
{
    /// <summary>The modules whose health includes a read of their own tables.</summary>
    private static readonly string[] StoreModules = [.. ModuleNames.All];

    [PostgresFact]
    public async Task Health_is_503_on_every_port_while_the_database_is_away_and_200_again_when_it_returns()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var host = await TestHost.StartAsync(StoreSettings.For(database));
        foreach (var module in StoreModules)
        {
            (await HealthAsync(host, module)).Status.Should().Be(HttpStatusCode.OK, module);
        }

        await database.BeginOutageAsync();
        try
        {
            foreach (var module in StoreModules)
            {
                var clock = Stopwatch.StartNew();
                var (status, body) = await HealthAsync(host, module);
                status.Should().Be(HttpStatusCode.ServiceUnavailable, $"{module} cannot read its tables: {body}");
                clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "a load balancer's check must get an answer, not a hang");
                var store = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == $"{module.ToLowerInvariant()}.store");
                store.GetProperty("status").GetString().Should().Be("unhealthy");
            }
        }
        finally
        {
            await database.EndOutageAsync();
        }

        foreach (var module in StoreModules)
        {
            await EventuallyAsync(async () => (await HealthAsync(host, module)).Status == HttpStatusCode.OK, $"{module} healthy again without a restart");
        }
    }

    [PostgresFact]
    public async Task Requests_that_need_the_store_answer_503_in_the_problem_format_during_the_outage_and_work_after_it()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var host = await TestHost.StartAsync(StoreSettings.For(database));
        var user = await host.CreateUserAsync();
        var admin = await host.AdminTokenAsync();
        var file = await host.UploadAsync(user.Token, FilesTestClient.RandomBytes(3000));

        await database.BeginOutageAsync();
        try
        {
            await ExpectUnavailableAsync(() => host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password }), "login");
            await ExpectUnavailableAsync(() => host.Client(ModuleNames.Audit, admin).GetAsync("/log?limit=5"), "reading the audit log");
            await ExpectUnavailableAsync(() => host.Files(user.Token).GetAsync($"/download?id={file.FileId}"), "a download");
            await ExpectUnavailableAsync(() => host.Files(user.Token).PostAsync("/upload", FilesTestClient.Form(FilesTestClient.RandomBytes(2000))), "an upload");
        }
        finally
        {
            await database.EndOutageAsync();
        }

        await EventuallyAsync(async () => (await host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password })).IsSuccessStatusCode,
            "login works again");
        using var download = await host.Files(user.Token).GetAsync($"/download?id={file.FileId}&key={file.Key}");
        download.StatusCode.Should().Be(HttpStatusCode.OK);
        (await host.Client(ModuleNames.Audit, admin).GetAsync("/log?limit=5")).StatusCode.Should().Be(HttpStatusCode.OK);
        // Nothing was half-written: the upload refused during the outage left no file without a row.
        host.TempFiles().Should().BeEmpty();
    }

    [PostgresFact]
    public async Task A_send_during_the_outage_is_refused_with_503_never_acked_and_goes_through_once_when_resent_after_it()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var host = await TestHost.StartAsync(StoreSettings.For(database));
        var alice = await host.CreateUserAsync();
        var channel = await host.CreateChannelAsync();
        await host.AddMemberAsync(channel.Id, alice.Id);
        await host.Messaging(alice).SendAsync(channel.Id, "before");
        await using var socket = await host.ConnectAsync(alice, version: 2);

        await database.BeginOutageAsync();
        try
        {
            await ExpectUnavailableAsync(() => host.Messaging(alice).PostAsJsonAsync("/send", new
            {
                channel_id = channel.Id, type = 1, content = MessagingApi.B64("over http"), client_msg_id = "outage-http",
            }), "a send over HTTP");

            var clock = Stopwatch.StartNew();
            await socket.SendJsonAsync(new { @event = "send", data = new { channel_id = channel.Id, type = 1, content = MessagingApi.B64("over the socket"), client_msg_id = "outage-ws" } });
            var reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
            while (reply.GetProperty("event").GetString() is not ("ack" or "error"))
            {
                reply = await socket.ReceiveAsync(TimeSpan.FromSeconds(30)); // presence and the like
            }

            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the client is told, not left waiting");
            reply.GetProperty("event").GetString().Should().Be("error", "nothing was committed, so nothing is acknowledged: " + reply);
            var error = reply.GetProperty("data");
            error.GetProperty("status").GetInt32().Should().Be(503);
            error.GetProperty("client_msg_id").GetString().Should().Be("outage-ws");
        }
        finally
        {
            await database.EndOutageAsync();
        }

        // The client sends again with the same client_msg_id: stored once.
        var resent = await EventuallySentAsync(host, alice, channel.Id, "over the socket", "outage-ws");
        var again = await host.Messaging(alice).SendAsync(channel.Id, "over the socket", "outage-ws");
        again.GetProperty("message_id").GetString().Should().Be(resent.GetProperty("message_id").GetString());
        var history = await host.Messaging(alice).FullHistoryAsync(channel.Id);
        history.Select(MessagingApi.Text).Should().Equal("before", "over the socket");
        history.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(1, 2);
    }

    private static async Task<JsonElement> EventuallySentAsync(TestHost host, TestUser user, string channelId, string text, string clientMsgId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await host.Messaging(user).PostAsJsonAsync("/send", new { channel_id = channelId, type = 1, content = MessagingApi.B64(text), client_msg_id = clientMsgId });
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "sending works again once the store is back");
            await Task.Delay(200);
        }
    }

    [Fact]
    public void Waits_for_the_store_are_bounded_by_default_and_the_connection_string_may_change_them()
    {
        var defaults = new Npgsql.NpgsqlConnectionStringBuilder(PostgresStore.WithDefaults("Host=db.office.lan;Database=ziyad;Username=ziyad"));
        defaults.Timeout.Should().Be(PostgresStore.DefaultConnectTimeoutSeconds).And.BeLessThan(15, "Npgsql's own 15 s outlasts a load balancer's health check");
        defaults.CommandTimeout.Should().Be(PostgresStore.DefaultCommandTimeoutSeconds);
        defaults.ApplicationName.Should().Be("ziyad-messenger");

        var given = new Npgsql.NpgsqlConnectionStringBuilder(PostgresStore.WithDefaults("Host=db;Database=ziyad;timeout=12;CommandTimeout=90;Application Name=office"));
        given.Timeout.Should().Be(12);
        given.CommandTimeout.Should().Be(90);
        given.ApplicationName.Should().Be("office");
    }

    private static async Task ExpectUnavailableAsync(Func<Task<HttpResponseMessage>> request, string what)
    {
        var clock = Stopwatch.StartNew();
        using var response = await request();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), $"{what} must be answered, not left hanging");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, $"{what}: {text}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(text).RootElement;
        problem.GetProperty("status").GetInt32().Should().Be(503);
        problem.GetProperty("error").GetString().Should().Contain("store");
        response.Headers.RetryAfter.Should().NotBeNull($"{what}: a client is told when to try again");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(TestHost host, string module)
    {
        using var response = await host.Client(module).GetAsync("/health");
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within 30 s: {what}.");
            }

            await Task.Delay(200);
        }
    }
}
