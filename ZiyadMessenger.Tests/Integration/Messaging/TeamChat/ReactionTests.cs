using System.Net;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging.TeamChat;

/// <summary>Reactions: idempotent PUT/DELETE, emoji rules, the cap, where they show, who gets the events, who may react.</summary>
public abstract class ReactionTestsBehaviour(StoreHostFixture fixture)
{
    protected StoreHostFixture Fixture { get; } = fixture;

    private TestHost _host => Fixture.Host;

    public static readonly string[] ValidEmoji =
    [
        "👍", "👍🏽", "🇮🇩", "👩‍💻", "👨‍👩‍👧‍👦", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️", "❤", "1️⃣", "#️⃣", "🧑🏿‍🦰", "🏳️‍🌈", "©️", ":+1:", ":party_parrot:", ":a:", ":x-y_z+1:",
        ":" + new string('a', 32) + ":",
    ];

    public static readonly string[] InvalidEmoji =
    [
        "a", "ab", "A", "1", "#", "é", "e\u0301", "👍👍", "👍a", "a👍", "🇮", "🇮🇩🇮", "🇮🇩🇲🇾", "\u200D", "\uFE0F", "\u20E3", "1\u20E3\u20E3",
        ":Caps:", ":x", "x:", "::", ":a b:", ":" + new string('a', 33) + ":", ":é:", " ", "  👍", "👍 ", "\t", "null", "%", "☃x",
        "👍"[..1], "x" + new string('y', 3_000), string.Concat(Enumerable.Repeat("👍", 40)), "中", "ا",
    ];

    [SkippableFact]
    public async Task Reacting_is_idempotent_and_reactions_show_on_history_threads_pins_and_edits()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        var id = (await aliceHttp.SendAsync(channel.Id, "ship it")).GetProperty("message_id").GetString()!;

        for (var i = 0; i < 2; i++)
        {
            (await bobHttp.ReactAsync(id, "👍")).StatusCode.Should().Be(HttpStatusCode.NoContent, "PUT is idempotent");
        }

        (await aliceHttp.ReactAsync(id, "👍")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await aliceHttp.ReactAsync(id, ":tada:")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        var expected = new List<(string, int, string[])> { ("👍", 2, [bob.Id, alice.Id]), (":tada:", 1, [alice.Id]) };
        TeamChatApi.Reactions(await bobHttp.MessageAsync(channel.Id, id)).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());

        // The same reactions wherever the message appears: a thread, the pins, the edited message.
        await bobHttp.ReplyAsync(channel.Id, id, "in a thread");
        TeamChatApi.Reactions((await bobHttp.ThreadAsync(id)).GetProperty("root")).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        (await bobHttp.PinAsync(id)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        TeamChatApi.Reactions((await bobHttp.PinsAsync(channel.Id)).Single()).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        await using var socket = await _host.ConnectAsync(bob, 2);
        var edit = await aliceHttp.PutAsync($"/messages/{id}", JsonContent("ship it now"));
        edit.StatusCode.Should().Be(HttpStatusCode.OK);
        TeamChatApi.Reactions(await socket.ReceiveEventAsync("message_updated")).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());

        for (var i = 0; i < 2; i++)
        {
            (await bobHttp.UnreactAsync(id, "👍")).StatusCode.Should().Be(HttpStatusCode.NoContent, "DELETE is idempotent");
        }

        (await bobHttp.UnreactAsync(id, "🎉")).StatusCode.Should().Be(HttpStatusCode.NoContent, "removing what was never there is fine too");
        TeamChatApi.Reactions(await bobHttp.MessageAsync(channel.Id, id))
            .Should().BeEquivalentTo(new List<(string, int, string[])> { ("👍", 1, [alice.Id]), (":tada:", 1, [alice.Id]) }, o => o.WithStrictOrdering());
    }

    [SkippableFact]
    public async Task Reaction_events_reach_every_v2_socket_of_every_reader_and_nobody_else()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        var id = (await aliceHttp.SendAsync(channel.Id, "hello")).GetProperty("message_id").GetString()!;

        await using var alicePhone = await _host.ConnectAsync(alice, 2);
        await using var aliceDesktop = await _host.ConnectAsync(alice, 2);
        await using var bobV2 = await _host.ConnectAsync(bob, 2);
        await using var bobV1 = await _host.ConnectAsync(bob, 1);
        await using var carolV2 = await _host.ConnectAsync(carol, 2);

        (await bobHttp.ReactAsync(id, "🇮🇩")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await bobHttp.UnreactAsync(id, "🇮🇩")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        foreach (var socket in new[] { alicePhone, aliceDesktop, bobV2 })
        {
            var added = await socket.ReceiveEventAsync("reaction_added");
            added.GetProperty("message_id").GetString().Should().Be(id);
            added.GetProperty("channel_id").GetString().Should().Be(channel.Id);
            added.GetProperty("emoji").GetString().Should().Be("🇮🇩");
            added.GetProperty("user_id").GetString().Should().Be(bob.Id);
            (await socket.ReceiveEventAsync("reaction_removed")).GetProperty("user_id").GetString().Should().Be(bob.Id);
        }

        // One loop delivers every event in order: a marker that arrives afterwards proves nothing came before it.
        await aliceHttp.SendAsync("general", "marker");
        var carolSaw = await carolV2.FramesUntilMessageAsync("marker");
        carolSaw.Select(f => f.GetProperty("event").GetString()).Should().OnlyContain(e => e == "message" || e == "presence",
            "carol cannot read the channel, so she hears of no reaction");
        var bobV1Saw = await bobV1.FramesUntilMessageAsync("marker");
        bobV1Saw.Should().ContainSingle("v1 sockets receive bare message objects only, nothing else");
        bobV1Saw[0].TryGetProperty("event", out _).Should().BeFalse();
    }

    [SkippableFact]
    public async Task Only_readers_react_and_deleted_or_unknown_messages_get_a_clear_4xx()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var carol = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync(ChannelTypes.Private);
        await _host.AddMemberAsync(channel.Id, alice.Id);
        await _host.AddMemberAsync(channel.Id, bob.Id);
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        using var carolHttp = _host.Messaging(carol);
        var id = (await aliceHttp.SendAsync(channel.Id, "members only")).GetProperty("message_id").GetString()!;
        (await bobHttp.ReactAsync(id, "👀")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        await (await carolHttp.ReactAsync(id, "👍")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "someone else's unreadable message");
        await _host.RemoveMemberAsync(channel.Id, bob.Id);
        await (await bobHttp.ReactAsync(id, "👍")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "a removed member no longer reacts");
        await (await bobHttp.UnreactAsync(id, "👀")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "nor takes a reaction back");

        // Any reader of a public channel may react, member or not.
        var open = (await aliceHttp.SendAsync("general", "everyone")).GetProperty("message_id").GetString()!;
        (await carolHttp.ReactAsync(open, ":wave:")).StatusCode.Should().Be(HttpStatusCode.NoContent);

        (await aliceHttp.ReactAsync(id, "👍")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await aliceHttp.DeleteAsync($"/messages/{id}")).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await (await aliceHttp.ReactAsync(id, "👍")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "a deleted message takes no reactions");
        (await aliceHttp.MessageAsync(channel.Id, id)).GetProperty("reactions").GetArrayLength().Should().Be(0, "its reactions went with it");

        var random = new Random(7);
        var ids = new List<string> { Guid.NewGuid().ToString(), "x", new string('9', 100), new string('a', 8000), "..", "general" };
        ids.AddRange(Enumerable.Range(0, 10).Select(_ => Convert.ToHexString(Guid.NewGuid().ToByteArray())[..random.Next(1, 32)]));
        foreach (var unknown in ids)
        {
            await (await aliceHttp.ReactAsync(unknown, "👍")).ShouldBeProblemAsync(HttpStatusCode.NotFound, $"unknown id {unknown[..Math.Min(10, unknown.Length)]}");
            await (await aliceHttp.UnreactAsync(unknown, "👍")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "unknown id");
        }
    }

    [SkippableFact]
    public async Task A_message_carries_at_most_50_distinct_emoji()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var bob = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var aliceHttp = _host.Messaging(alice);
        using var bobHttp = _host.Messaging(bob);
        var id = (await aliceHttp.SendAsync(channel.Id, "react away")).GetProperty("message_id").GetString()!;

        // Concurrent adds must not slip past the cap together.
        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => aliceHttp.ReactAsync(id, $":e{i}:")));
        responses.Count(r => r.StatusCode == HttpStatusCode.NoContent).Should().Be(50);
        foreach (var rejected in responses.Where(r => r.StatusCode != HttpStatusCode.NoContent))
        {
            await rejected.ShouldBeProblemAsync(HttpStatusCode.Conflict, "the 51st distinct emoji");
        }

        var present = TeamChatApi.Reactions(await aliceHttp.MessageAsync(channel.Id, id));
        present.Should().HaveCount(50);
        (await bobHttp.ReactAsync(id, present[0].Emoji)).StatusCode.Should().Be(HttpStatusCode.NoContent, "an emoji already there can still be used");
        await (await bobHttp.ReactAsync(id, "👍")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "a new one cannot");
    }

    [SkippableFact]
    public async Task Emoji_must_be_one_emoji_or_a_short_name_and_anything_else_is_400()
    {
        Fixture.Require();
        var alice = await _host.CreateUserAsync();
        var channel = await _host.CreateChannelAsync();
        using var http = _host.Messaging(alice);
        var id = (await http.SendAsync(channel.Id, "emoji zoo")).GetProperty("message_id").GetString()!;

        foreach (var emoji in ValidEmoji)
        {
            (await http.ReactAsync(id, emoji)).StatusCode.Should().Be(HttpStatusCode.NoContent, $"'{emoji}' is one emoji");
        }

        TeamChatApi.Reactions(await http.MessageAsync(channel.Id, id)).Select(r => r.Emoji).Should().Equal(ValidEmoji, "stored as sent, in the order first used");

        var wrong = new List<string>();
        foreach (var emoji in InvalidEmoji)
        {
            var response = await http.ReactAsync(id, emoji);
            if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                wrong.Add($"{Uri.EscapeDataString(emoji[..Math.Min(emoji.Length, 12)])}: {(int)response.StatusCode} {response.Content.Headers.ContentType}");
            }
        }

        wrong.Should().BeEmpty("none of these is one emoji, and each deserves a problem+json 400");

        // Broken UTF-8 and lone surrogates, percent-encoded into the path as a hostile client would.
        foreach (var raw in new[] { "%ED%A0%80", "%ED%B0%80", "%FF", "%C3%28", "%F0%9F%91", "%E2%82%28", "%F0%9F%91%8D%FF", "%C0%AF" })
        {
            var response = await http.ReactAsync(id, raw, rawPath: true);
            ((int)response.StatusCode).Should().Be(400, raw);
            await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, raw);
        }

        // Request lines up to 64 KiB reach the endpoint (so a 10,000-character search is a clear 400, not a bare 414).
        (await http.ReactAsync(id, new string('y', 10_000))).StatusCode.Should().Be(HttpStatusCode.BadRequest, "request lines up to 64 KiB reach the endpoint, which says what is wrong");

        // A NUL in the path is refused by the web server itself, before any endpoint runs: a 400 without a body.
        (await http.ReactAsync(id, "%00", rawPath: true)).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        // Random mixtures of letters, emoji parts and joiners: only single emoji may pass.
        var random = new Random(20261206);
        string[] parts = ["a", "Z", "1", "👍", "🏽", "\u200D", "\uFE0F", "🇮", "🇩", "💻", "👩", ":", "_", "é", "\u20E3", "#", " ", "\uD83D"];
        for (var i = 0; i < 150; i++)
        {
            var emoji = string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => parts[random.Next(parts.Length)]));
            var response = await http.ReactAsync(id, emoji);
            ((int)response.StatusCode).Should().BeOneOf([204, 400], $"'{emoji}' (seed 20261206, round {i})");
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, emoji);
            }
            else
            {
                new System.Globalization.StringInfo(emoji).LengthInTextElements.Should().Be(1, $"'{emoji}' was accepted, so it must be one grapheme cluster");
                emoji.Any(c => char.IsWhiteSpace(c) || c == ':' || c == '_' || (char.IsLetterOrDigit(c) && !emoji.EndsWith('\u20E3'))).Should().BeFalse($"'{emoji}' was accepted");
                emoji.Should().NotBe("\u200D").And.NotBe("\uFE0F").And.NotBe("🇮");
            }
        }
    }

    private static StringContent JsonContent(string text) =>
        new(JsonSerializer.Serialize(new { type = 1, content = MessagingApi.B64(text) }), System.Text.Encoding.UTF8, "application/json");
}

public sealed class ReactionTestsOnSqlite(SqliteHostFixture fixture) : ReactionTestsBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class ReactionTestsOnPostgres(PostgresHostFixture fixture) : ReactionTestsBehaviour(fixture), IClassFixture<PostgresHostFixture>;
