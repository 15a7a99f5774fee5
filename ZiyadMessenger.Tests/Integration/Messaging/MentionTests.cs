using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>@username, @channel and @here: who is mentioned, the v2 event, mention_count, GET /mentions and edits.</summary>
public abstract class MentionTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(700);
    private TestHost _host => Fixture.Host;

    private static List<JsonElement> Mentions(IEnumerable<JsonElement> frames) =>
        frames.Where(f => f.GetProperty("event").GetString() == "mention").Select(f => f.GetProperty("data")).ToList();

    private async Task<List<JsonElement>> MentionsOfAsync(TestUser user, string query = "")
    {
        var response = await _host.Messaging(user).GetAsync("/mentions" + query);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mentions").EnumerateArray().ToList();
    }

    private async Task<JsonElement> ChannelAsync(TestUser user, string channelId)
    {
        var channels = await _host.Messaging(user).GetFromJsonAsync<JsonElement>("/channels");
        return channels.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetString() == channelId);
    }

    [SkippableFact]
    public async Task A_mentioned_user_gets_a_mention_event_on_every_v2_socket_and_v1_sockets_get_the_message_only()
    {
        Fixture.Require();
        var (alice, bob, carol) = (await _host.CreateUserAsync(), await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync();
        await using var bobPhone = await _host.ConnectAsync(bob, 2);
        await using var bobLaptop = await _host.ConnectAsync(bob, 2);
        await using var bobOld = await _host.ConnectAsync(bob, 1);
        await using var aliceSocket = await _host.ConnectAsync(alice, 2);
        await using var carolSocket = await _host.ConnectAsync(carol, 2);

        var sent = await _host.Messaging(alice).SendAsync(channel.Id, $"hi @{bob.Username.ToUpperInvariant()}, see you.");
        var id = sent.GetProperty("message_id").GetString()!;

        foreach (var socket in new[] { bobPhone, bobLaptop })
        {
            var mention = await socket.ReceiveEventAsync("mention");
            mention.GetProperty("message_id").GetString().Should().Be(id);
            mention.GetProperty("channel_id").GetString().Should().Be(channel.Id);
            mention.GetProperty("sender_id").GetString().Should().Be(alice.Id);
            mention.TryGetProperty("root_id", out var root).Should().BeTrue();
            root.ValueKind.Should().Be(JsonValueKind.Null);
        }

        var old = await bobOld.DrainAsync(Quiet);
        old.Should().ContainSingle().Which.GetProperty("id").GetString().Should().Be(id, "v1 sockets get bare message objects only");
        Mentions(await aliceSocket.DrainAsync(Quiet)).Should().BeEmpty("the sender is not notified");
        Mentions(await carolSocket.DrainAsync(Quiet)).Should().BeEmpty();

        (await MentionsOfAsync(bob)).Select(m => m.GetProperty("id").GetString()).Should().Equal(id);
        (await MentionsOfAsync(carol)).Should().BeEmpty();
        (await ChannelAsync(bob, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(1);
        (await ChannelAsync(carol, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(0);
    }

    [SkippableFact]
    public async Task Only_users_who_can_read_the_channel_are_mentioned_and_addresses_are_not_mentions()
    {
        Fixture.Require();
        var (alice, bob, outsider) = (await _host.CreateUserAsync(), await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        await using var outsiderSocket = await _host.ConnectAsync(outsider, 2);

        await _host.Messaging(alice).SendAsync(channel.Id, $"@{outsider.Username} cannot see this, nor @{alice.Username} herself, nor @nosuchuser_{Guid.NewGuid():N}"[..90]);
        await _host.Messaging(alice).SendAsync(channel.Id, $"mail {bob.Username}@example.com or x@{bob.Username}", type: 2);
        await _host.Messaging(alice).SendAsync(channel.Id, $"file for @{bob.Username}", type: 3);

        Mentions(await outsiderSocket.DrainAsync(Quiet)).Should().BeEmpty();
        (await MentionsOfAsync(outsider)).Should().BeEmpty();
        (await MentionsOfAsync(alice)).Should().BeEmpty();
        (await MentionsOfAsync(bob)).Should().BeEmpty("an address is not a mention, and only text (types 1 and 2) is read");
    }

    [SkippableFact]
    public async Task At_channel_mentions_every_member_and_at_here_only_those_online()
    {
        Fixture.Require();
        var (alice, bob, carol) = (await _host.CreateUserAsync(), await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        foreach (var u in new[] { alice, bob, carol })
        {
            await _host.AddMemberAsync(channel.Id, u.Id);
        }

        await using (var bobSocket = await _host.ConnectAsync(bob, 2))
        {
            var here = await _host.Messaging(alice).SendAsync(channel.Id, "@here standup now");
            (await bobSocket.ReceiveEventAsync("mention")).GetProperty("message_id").GetString().Should().Be(here.GetProperty("message_id").GetString());
            (await MentionsOfAsync(bob)).Should().ContainSingle();
            (await MentionsOfAsync(carol)).Should().BeEmpty("carol was not online");
        }

        var all = await _host.Messaging(alice).SendAsync(channel.Id, "@channel the office is closed tomorrow");
        var allId = all.GetProperty("message_id").GetString();
        (await MentionsOfAsync(carol)).Select(m => m.GetProperty("id").GetString()).Should().Equal(allId);
        (await MentionsOfAsync(bob)).Select(m => m.GetProperty("id").GetString()).First().Should().Be(allId, "newest first");
        (await MentionsOfAsync(alice)).Should().BeEmpty();
    }

    [SkippableFact]
    public async Task At_channel_in_a_public_channel_mentions_every_user()
    {
        Fixture.Require();
        var (alice, bob) = (await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync();
        var sent = await _host.Messaging(alice).SendAsync(channel.Id, "@channel hello everyone");
        (await MentionsOfAsync(bob)).Select(m => m.GetProperty("id").GetString()).Should().Contain(sent.GetProperty("message_id").GetString());
    }

    [SkippableFact]
    public async Task Mention_count_counts_mentions_above_the_read_cursor()
    {
        Fixture.Require();
        var (alice, bob) = (await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync();
        await _host.Messaging(alice).SendAsync(channel.Id, $"@{bob.Username} one");
        await _host.Messaging(alice).SendAsync(channel.Id, "no mention");
        var third = await _host.Messaging(alice).SendAsync(channel.Id, $"@{bob.Username} two");
        var deleted = await _host.Messaging(alice).SendAsync(channel.Id, $"@{bob.Username} deleted");
        (await _host.Messaging(alice).DeleteAsync($"/messages/{deleted.GetProperty("message_id").GetString()}")).EnsureSuccessStatusCode();
        (await ChannelAsync(bob, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(2, "a deleted message no longer counts");

        (await _host.Messaging(bob).PostAsJsonAsync("/read", new { channel_id = channel.Id, seq = 2 })).EnsureSuccessStatusCode();
        (await ChannelAsync(bob, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(1);
        (await _host.Messaging(bob).PostAsJsonAsync("/read", new { channel_id = channel.Id, seq = third.GetProperty("seq").GetInt64() })).EnsureSuccessStatusCode();
        (await ChannelAsync(bob, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(0);
        (await MentionsOfAsync(bob)).Should().HaveCount(2, "reading does not forget the mentions");
    }

    [SkippableFact]
    public async Task Mentions_list_newest_first_in_pages_and_only_from_channels_still_readable()
    {
        Fixture.Require();
        var (alice, bob) = (await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var open = await _host.CreateChannelAsync();
        var closed = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(closed.Id, alice.Id);
        await _host.AddMemberAsync(closed.Id, bob.Id);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await _host.Messaging(alice).SendAsync(open.Id, $"@{bob.Username} {i}")).GetProperty("message_id").GetString()!);
            await Task.Delay(5);
        }

        await _host.Messaging(alice).SendAsync(closed.Id, $"@{bob.Username} private");
        (await MentionsOfAsync(bob)).Should().HaveCount(5);
        await _host.RemoveMemberAsync(closed.Id, bob.Id);

        var first = await MentionsOfAsync(bob, "?limit=2");
        first.Select(m => m.GetProperty("id").GetString()).Should().Equal(ids[3], ids[2]);
        var before = first[^1].GetProperty("mentioned_at").GetInt64();
        var second = await MentionsOfAsync(bob, $"?limit=2&before={before}");
        second.Select(m => m.GetProperty("id").GetString()).Should().Equal(ids[1], ids[0]);
        MessagingApi.Text(second[0]).Should().Be($"@{bob.Username} 1");
    }

    [SkippableFact]
    public async Task An_edit_that_adds_a_mention_notifies_once_and_never_again()
    {
        Fixture.Require();
        var (alice, bob) = (await _host.CreateUserAsync(), await _host.CreateUserAsync());
        var channel = await _host.CreateChannelAsync();
        await using var bobSocket = await _host.ConnectAsync(bob, 2);
        var sent = await _host.Messaging(alice).SendAsync(channel.Id, "no one yet");
        var id = sent.GetProperty("message_id").GetString()!;
        await bobSocket.ReceiveEventAsync("message");

        async Task EditAsync(string text) =>
            (await _host.Messaging(alice).PutAsJsonAsync($"/messages/{id}", new { content = MessagingApi.B64(text), type = 1 })).EnsureSuccessStatusCode();

        await EditAsync($"now @{bob.Username}");
        (await bobSocket.ReceiveEventAsync("mention")).GetProperty("message_id").GetString().Should().Be(id);
        (await MentionsOfAsync(bob)).Should().ContainSingle();

        await EditAsync($"still @{bob.Username}, typo fixed");
        await EditAsync("taken back");
        await WaitForAsync(async () => (await MentionsOfAsync(bob)).Count == 0);
        (await ChannelAsync(bob, channel.Id)).GetProperty("mention_count").GetInt64().Should().Be(0);
        await EditAsync($"and again @{bob.Username}");
        await WaitForAsync(async () => (await MentionsOfAsync(bob)).Count == 1);
        Mentions(await bobSocket.DrainAsync(Quiet)).Should().BeEmpty("bob was told about this message once already");
    }

    [SkippableFact]
    public async Task Bad_mentions_parameters_are_400s_and_random_ones_never_500()
    {
        Fixture.Require();
        var client = _host.Messaging(await _host.CreateUserAsync());
        foreach (var query in new[] { "limit=0", "limit=201", "limit=-1", "limit=abc", "before=0", "before=-5", "before=soon", "limit=99999999999" })
        {
            var response = await client.GetAsync("/mentions?" + query);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, query);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", query);
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace(query);
        }

        var seed = Environment.TickCount;
        var random = new Random(seed);
        const string alphabet = "0123456789-+.eE %&=xyz";
        for (var i = 0; i < 150; i++)
        {
            var value = new string(Enumerable.Range(0, random.Next(0, 14)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            var query = (random.Next(2) == 0 ? "limit=" : "before=") + Uri.EscapeDataString(value);
            var response = await client.GetAsync("/mentions?" + query);
            ((int)response.StatusCode).Should().BeOneOf([200, 400], $"seed {seed}, {query}");
        }

        (await _host.Client(Modules.Contracts.Hosting.ModuleNames.Messaging).GetAsync("/mentions")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    /// <summary>Edits' mentions are settled just after the edit's answer (from the notification queue): poll, no fixed sleep.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        (await condition()).Should().BeTrue("the condition should hold within 10 s");
    }
}

public sealed class MentionTestsOnSqlite(SqliteHostFixture fixture) : MentionTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class MentionTestsOnPostgres(PostgresHostFixture fixture) : MentionTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
