using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Host.Cluster;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Cluster;

/// <summary>Two nodes in this process on one PostgreSQL database: what one does, the other's sockets see (CONTRACT §6).</summary>
public sealed class TwoNodesFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;
    public TestHost A { get; private set; } = null!;
    public TestHost B { get; private set; } = null!;
    public bool Started { get; private set; }

    public async Task InitializeAsync()
    {
        if (!PostgresServer.InCi && PostgresServer.UnavailableReason is not null)
        {
            return;
        }

        Database = await PostgresServer.CreateDatabaseAsync();
        var password = "Adm-" + Guid.NewGuid().ToString("N")[..16];
        var settings = StoreSettings.For(Database, new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = password });
        A = await TestHost.StartAsync(settings);
        B = await TestHost.StartAsync(settings);
        Started = true;
    }

    public async Task DisposeAsync()
    {
        if (Started)
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}

public sealed class CrossNodeTests(TwoNodesFixture nodes) : IClassFixture<TwoNodesFixture>
{
    /// <summary>CONTRACT §6: logout, password change, deletion and membership changes act on every node within 2 s.</summary>
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(2);

    private TestHost A => nodes.A;
    private TestHost B => nodes.B;

    /// <summary>A user registered on A, once B accepts its token (that too must happen within 2 s).</summary>
    private async Task<TestUser> UserKnownToBothAsync()
    {
        var user = await A.CreateUserAsync();
        await Eventually(async () => (await MeAsync(B, user.Token)) == HttpStatusCode.OK, "B accepts a token of a user registered on A");
        return user;
    }

    private static async Task<HttpStatusCode> MeAsync(TestHost host, string token)
    {
        using var client = host.Client(ModuleNames.Auth, token);
        return (await client.GetAsync("/me")).StatusCode;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > (within ?? Within))
            {
                throw new TimeoutException($"Not within {(within ?? Within).TotalSeconds} s: {what}.");
            }

            await Task.Delay(25);
        }
    }

    private static async Task ClosedWithinAsync(WsClient socket, string what)
    {
        var closed = await Task.WhenAny(socket.Closed, Task.Delay(Within)) == socket.Closed;
        closed.Should().BeTrue($"{what} within {Within.TotalSeconds} s");
    }

    private static async Task<JsonElement> MessageAsync(WsClient socket, int version)
    {
        var frame = await socket.ReceiveAsync(Within);
        return version == 1 ? frame : frame.GetProperty("data");
    }

    [SkippableFact]
    public async Task Messages_sent_on_one_node_reach_sockets_on_the_other_in_seq_order()
    {
        StoreSettings.SkipUnlessPostgres();
        var sender = await UserKnownToBothAsync();
        var reader = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, sender.Id);
        await A.AddMemberAsync(channel.Id, reader.Id);
        await using var onB = await B.ConnectAsync(reader, 1);
        await using var v2OnB = await B.ConnectAsync(reader, 2);

        using var api = A.Messaging(sender);
        var sends = Enumerable.Range(1, 40).Select(i => api.SendAsync(channel.Id, $"m{i}", clientMsgId: $"c{i}")).ToList();
        var acks = await Task.WhenAll(sends);

        var seqs = new List<long>();
        var v2Seqs = new List<long>();
        for (var i = 0; i < acks.Length; i++)
        {
            seqs.Add((await MessageAsync(onB, 1)).GetProperty("seq").GetInt64());
            v2Seqs.Add((await MessageAsync(v2OnB, 2)).GetProperty("seq").GetInt64());
        }

        var expected = acks.Select(a => a.GetProperty("seq").GetInt64()).Order().ToList();
        seqs.Should().Equal(expected, "a v1 socket on the other node gets every message once, in seq order");
        v2Seqs.Should().Equal(expected);
        expected.Should().Equal(Enumerable.Range(1, 40).Select(i => (long)i), "seq is gap-free");
        (await onB.DrainAsync(TimeSpan.FromMilliseconds(300))).Should().BeEmpty("nothing is delivered twice");
    }

    [SkippableFact]
    public async Task Senders_on_both_nodes_in_one_channel_are_seen_in_the_same_seq_order_on_both()
    {
        StoreSettings.SkipUnlessPostgres();
        var onA = await UserKnownToBothAsync();
        var onBUser = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, onA.Id);
        await A.AddMemberAsync(channel.Id, onBUser.Id);
        await Eventually(() => Task.FromResult(B.Services.GetRequiredService<Modules.Messaging.Channels.ChannelDirectory>().Find(channel.Id)?.Members.Count == 2),
            "B knows the channel's members");
        await using var watchA = await A.ConnectAsync(onA, 1);
        await using var watchB = await B.ConnectAsync(onBUser, 1);

        using var apiA = A.Messaging(onA);
        using var apiB = B.Messaging(onBUser);
        var sends = Enumerable.Range(1, 30).Select(i => (i % 2 == 0 ? apiA : apiB).SendAsync(channel.Id, $"x{i}", clientMsgId: $"x{i}")).ToList();
        await Task.WhenAll(sends);

        var seenOnA = new List<long>();
        var seenOnB = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            seenOnA.Add((await MessageAsync(watchA, 1)).GetProperty("seq").GetInt64());
            seenOnB.Add((await MessageAsync(watchB, 1)).GetProperty("seq").GetInt64());
        }

        seenOnA.Should().Equal(Enumerable.Range(1, 30).Select(i => (long)i));
        seenOnB.Should().Equal(seenOnA);
    }

    [SkippableFact]
    public async Task Edits_deletes_reactions_pins_typing_and_reads_made_on_one_node_reach_v2_sockets_on_the_other()
    {
        StoreSettings.SkipUnlessPostgres();
        var author = await UserKnownToBothAsync();
        var reader = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, author.Id);
        await A.AddMemberAsync(channel.Id, reader.Id);
        await using var readerOnB = await B.ConnectAsync(reader, 2);
        await using var authorOnA = await A.ConnectAsync(author, 2);
        await using var readerOnA = await A.ConnectAsync(reader, 2);

        using var api = A.Messaging(author);
        var sent = await api.SendAsync(channel.Id, "original");
        var id = sent.GetProperty("message_id").GetString()!;
        (await readerOnB.ReceiveEventAsync("message", Within)).GetProperty("id").GetString().Should().Be(id);

        (await api.PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64("edited") })).EnsureSuccessStatusCode();
        var updated = await readerOnB.ReceiveEventAsync("message_updated", Within);
        MessagingApi.Text(updated).Should().Be("edited", "the other node reads the edited message from the store");

        (await api.PutAsync($"/messages/{id}/reactions/{Uri.EscapeDataString("👍")}", null)).EnsureSuccessStatusCode();
        var reaction = await readerOnB.ReceiveEventAsync("reaction_added", Within);
        reaction.GetProperty("emoji").GetString().Should().Be("👍");
        reaction.GetProperty("user_id").GetString().Should().Be(author.Id);

        (await api.PutAsync($"/messages/{id}/pin", null)).EnsureSuccessStatusCode();
        (await readerOnB.ReceiveEventAsync("message_pinned", Within)).GetProperty("message_id").GetString().Should().Be(id);

        await authorOnA.SendJsonAsync(new { @event = "typing", data = new { channel_id = channel.Id } });
        (await readerOnB.ReceiveEventAsync("typing", Within)).GetProperty("user_id").GetString().Should().Be(author.Id);

        // A read cursor goes to the reader's own sockets, here the one on the other node.
        using var readerApi = B.Messaging(reader);
        (await readerApi.PostAsJsonAsync("/read", new { channel_id = channel.Id, seq = sent.GetProperty("seq").GetInt64() })).EnsureSuccessStatusCode();
        var read = await readerOnA.ReceiveEventAsync("read", Within);
        read.GetProperty("user_id").GetString().Should().Be(reader.Id);
        read.GetProperty("seq").GetInt64().Should().Be(sent.GetProperty("seq").GetInt64());

        (await api.DeleteAsync($"/messages/{id}")).EnsureSuccessStatusCode();
        (await readerOnB.ReceiveEventAsync("message_deleted", Within)).GetProperty("id").GetString().Should().Be(id);
    }

    [SkippableFact]
    public async Task A_logout_on_one_node_closes_that_tokens_sockets_on_the_other_and_the_token_is_refused_there()
    {
        StoreSettings.SkipUnlessPostgres();
        var user = await UserKnownToBothAsync();
        var otherToken = await B.LoginAsync(user.Username, user.Password);
        await using var loggedOut = await B.ConnectAsync(user, 2);
        await using var other = await B.ConnectAsync(user with { Token = otherToken }, 2);

        using var client = A.Client(ModuleNames.Auth, user.Token);
        (await client.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        await ClosedWithinAsync(loggedOut, "the logged-out token's socket on the other node closes");
        (await MeAsync(B, user.Token)).Should().Be(HttpStatusCode.Unauthorized);
        other.State.Should().Be(System.Net.WebSockets.WebSocketState.Open, "the user's other token keeps working");
        (await MeAsync(B, otherToken)).Should().Be(HttpStatusCode.OK);
    }

    [SkippableFact]
    public async Task A_password_change_on_one_node_ends_the_users_other_tokens_on_the_other_node()
    {
        StoreSettings.SkipUnlessPostgres();
        var user = await UserKnownToBothAsync();
        var older = await A.LoginAsync(user.Username, user.Password);
        await using var olderSocket = await B.ConnectAsync(user with { Token = older }, 2);
        await using var changerSocket = await B.ConnectAsync(user, 2);

        using var client = A.Client(ModuleNames.Auth, user.Token);
        (await client.PostAsJsonAsync("/change-password", new { current_password = user.Password, new_password = "Another-pw-" + Guid.NewGuid().ToString("N")[..8] }))
            .StatusCode.Should().Be(HttpStatusCode.NoContent);

        await ClosedWithinAsync(olderSocket, "the older token's socket on the other node closes");
        (await MeAsync(B, older)).Should().Be(HttpStatusCode.Unauthorized);
        (await MeAsync(B, user.Token)).Should().Be(HttpStatusCode.OK, "the token that changed the password keeps working everywhere");
        changerSocket.State.Should().Be(System.Net.WebSockets.WebSocketState.Open);
    }

    [SkippableFact]
    public async Task Deleting_or_deactivating_a_user_on_one_node_closes_their_sockets_on_the_other()
    {
        StoreSettings.SkipUnlessPostgres();
        var deleted = await UserKnownToBothAsync();
        var deactivated = await UserKnownToBothAsync();
        await using var deletedSocket = await B.ConnectAsync(deleted, 1);
        await using var deactivatedSocket = await B.ConnectAsync(deactivated, 2);
        using var admin = A.Client(ModuleNames.Admin, await A.AdminTokenAsync());

        (await admin.DeleteAsync($"/admin/users/{deleted.Id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await admin.PutAsJsonAsync($"/admin/users/{deactivated.Id}", new { is_active = false })).EnsureSuccessStatusCode();

        await ClosedWithinAsync(deletedSocket, "the deleted user's socket on the other node closes");
        await ClosedWithinAsync(deactivatedSocket, "the deactivated user's socket on the other node closes");
        (await MeAsync(B, deleted.Token)).Should().Be(HttpStatusCode.Unauthorized);
        (await MeAsync(B, deactivated.Token)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [SkippableFact]
    public async Task A_member_removed_on_one_node_stops_getting_the_channel_on_the_other()
    {
        StoreSettings.SkipUnlessPostgres();
        var stays = await UserKnownToBothAsync();
        var removed = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, stays.Id);
        await A.AddMemberAsync(channel.Id, removed.Id);
        using var removedApi = B.Messaging(removed);
        await Eventually(async () => (await removedApi.GetAsync($"/history?channel_id={channel.Id}")).StatusCode == HttpStatusCode.OK,
            "B lets a member added on A read the channel");
        await using var removedSocket = await B.ConnectAsync(removed, 1);
        await using var staysSocket = await B.ConnectAsync(stays, 1);

        await A.RemoveMemberAsync(channel.Id, removed.Id);
        await Eventually(async () => (await removedApi.GetAsync($"/history?channel_id={channel.Id}")).StatusCode == HttpStatusCode.Forbidden,
            "B refuses the channel to a member removed on A");
        using var api = A.Messaging(stays);
        await api.SendAsync(channel.Id, "after the removal");

        MessagingApi.Text(await staysSocket.ReceiveAsync(Within)).Should().Be("after the removal");
        (await removedSocket.DrainAsync(TimeSpan.FromMilliseconds(500))).Should().BeEmpty("the removed member's socket on the other node gets nothing more");
    }

    [SkippableFact]
    public async Task An_admin_logout_on_one_node_ends_the_admin_token_on_the_other()
    {
        StoreSettings.SkipUnlessPostgres();
        var token = await A.AdminTokenAsync();
        using var onB = B.Client(ModuleNames.Admin, token);
        await Eventually(async () => (await onB.GetAsync("/admin/me")).StatusCode == HttpStatusCode.OK, "B accepts the admin token");

        using var onA = A.Client(ModuleNames.Admin, token);
        (await onA.PostAsync("/admin/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);

        await Eventually(async () => (await onB.GetAsync("/admin/me")).StatusCode == HttpStatusCode.Unauthorized, "B refuses the admin token after a logout on A");
    }

    [SkippableFact]
    public async Task Messages_sent_while_a_nodes_listener_was_down_arrive_after_it_reconnects()
    {
        StoreSettings.SkipUnlessPostgres();
        var sender = await UserKnownToBothAsync();
        var reader = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, sender.Id);
        await A.AddMemberAsync(channel.Id, reader.Id);
        var joiner = await UserKnownToBothAsync();
        var leaver = await UserKnownToBothAsync();
        await using var onB = await B.ConnectAsync(reader, 1);
        await using var joinerOnB = await B.ConnectAsync(joiner, 1);
        await using var leaverOnB = await B.ConnectAsync(leaver, 1);
        using var api = A.Messaging(sender);
        await api.SendAsync(channel.Id, "before");
        MessagingApi.Text(await onB.ReceiveAsync(Within)).Should().Be("before");

        // The signals of these messages are sent while B's listener is gone: PostgreSQL keeps none for it.
        var bus = B.Services.GetRequiredService<PostgresClusterBus>();
        var connects = bus.Connects;
        bus.FirstRetry = TimeSpan.FromSeconds(3);
        try
        {
            (await nodes.Database.ScalarAsync<bool>(
                $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{bus.ListenerName}'")).Should().BeTrue();
            for (var i = 1; i <= 5; i++)
            {
                await api.SendAsync(channel.Id, $"during {i}");
            }

            await A.AddMemberAsync(channel.Id, joiner.Id);
            using (var leaverAuth = A.Client(ModuleNames.Auth, leaver.Token))
            {
                (await leaverAuth.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
            }

            bus.Connects.Should().Be(connects, "all of it happened while B was not listening");
        }
        finally
        {
            bus.FirstRetry = TimeSpan.FromMilliseconds(250);
        }

        await Eventually(() => Task.FromResult(bus.Connects > connects), "B's listener reconnects", TimeSpan.FromSeconds(15));
        var texts = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            texts.Add(MessagingApi.Text(await onB.ReceiveAsync(TimeSpan.FromSeconds(5))));
        }

        texts.Should().Equal(Enumerable.Range(1, 5).Select(i => $"during {i}"), "the node re-reads from its last delivered seq after reconnecting");
        (await onB.DrainAsync(TimeSpan.FromMilliseconds(300))).Should().BeEmpty();

        // What else changed meanwhile is re-read too: the logout ends its socket, the new member gets the channel.
        await ClosedWithinAsync(leaverOnB, "the socket of a token logged out while B was not listening closes once B is back");
        (await MeAsync(B, leaver.Token)).Should().Be(HttpStatusCode.Unauthorized);
        await api.SendAsync(channel.Id, "after");
        // (The catch-up ran after the membership was re-read, so the new member may also get the messages
        // sent meanwhile, which it may read anyway; what matters is that it is not left out.)
        var joinerSaw = new List<string>();
        while (joinerSaw.LastOrDefault() != "after")
        {
            joinerSaw.Add(MessagingApi.Text(await joinerOnB.ReceiveAsync(Within)));
        }

        joinerSaw.Should().EndWith("after", "a member added while B was not listening gets the channel on B");
        MessagingApi.Text(await onB.ReceiveAsync(Within)).Should().Be("after");
    }
    [SkippableFact]
    public async Task A_users_new_name_given_on_one_node_shows_in_the_other_nodes_member_lists()
    {
        StoreSettings.SkipUnlessPostgres();
        var member = await UserKnownToBothAsync();
        var channel = await A.CreateChannelAsync(ChannelTypes.Private);
        await A.AddMemberAsync(channel.Id, member.Id);
        using var onB = B.Messaging(member);
        async Task<string?> NameOnBAsync()
        {
            var response = await onB.GetAsync($"/channel-members?channel_id={channel.Id}");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var members = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("members");
            return members.EnumerateArray().Where(m => m.GetProperty("id").GetString() == member.Id).Select(m => m.GetProperty("full_name").GetString()).FirstOrDefault();
        }

        await Eventually(async () => await NameOnBAsync() == member.Username, "B lists the member (and caches the user)");
        using var admin = A.Client(ModuleNames.Admin, await A.AdminTokenAsync());
        (await admin.PutAsJsonAsync($"/admin/users/{member.Id}", new { full_name = "Renamed On A" })).EnsureSuccessStatusCode();

        await Eventually(async () => await NameOnBAsync() == "Renamed On A", "B's user directory follows a change made on A");
    }

    [SkippableFact]
    public async Task Each_nodes_cluster_health_reports_its_listener()
    {
        StoreSettings.SkipUnlessPostgres();
        foreach (var node in new[] { A, B })
        {
            var health = await node.Client(ModuleNames.Cluster).GetFromJsonAsync<JsonElement>("/health");
            var bus = health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "cluster.bus");
            bus.GetProperty("status").GetString().Should().Be("ok");
        }
    }
}
