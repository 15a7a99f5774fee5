using System.Diagnostics;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Typing goes to every reader of a channel, so a client repeating it must not flood them.</summary>
public sealed class TypingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(3000);

    [Fact]
    public async Task A_user_typing_is_announced_once_per_interval_per_channel_however_often_and_from_however_many_sockets()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Messaging:TypingIntervalMilliseconds"] = ((int)Interval.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var alice = await host.CreateUserAsync();
        var bob = await host.CreateUserAsync();
        var first = await host.CreateChannelAsync(ChannelTypes.Private);
        var second = await host.CreateChannelAsync(ChannelTypes.Private);
        foreach (var channel in new[] { first, second })
        {
            await host.AddMemberAsync(channel.Id, alice.Id);
            await host.AddMemberAsync(channel.Id, bob.Id);
        }

        await using var alicePhone = await host.ConnectAsync(alice, 2);
        await using var aliceDesktop = await host.ConnectAsync(alice, 2);
        await using var bobSocket = await host.ConnectAsync(bob, 2);

        var burst = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await (i % 2 == 0 ? alicePhone : aliceDesktop).SendJsonAsync(new { @event = "typing", data = new { channel_id = first.Id } });
        }

        await alicePhone.SendJsonAsync(new { @event = "typing", data = new { channel_id = second.Id } });

        // A message from each socket after its typing: a socket's frames are handled in order and the
        // fan-out delivers in publish order, so once Bob has both messages he has every announcement the
        // burst caused. No waiting for a quiet moment.
        await alicePhone.SendJsonAsync(new { @event = "send", data = new { channel_id = first.Id, type = 1, content = MessagingApi.B64("phone done"), client_msg_id = "phone-done" } });
        await aliceDesktop.SendJsonAsync(new { @event = "send", data = new { channel_id = first.Id, type = 1, content = MessagingApi.B64("desktop done"), client_msg_id = "desktop-done" } });
        var frames = await FramesUntilMessagesAsync(bobSocket, ["phone done", "desktop done"]);
        var elapsed = burst.Elapsed;

        var announced = frames.Where(f => f.GetProperty("event").GetString() == "typing").Select(f => f.GetProperty("data")).ToList();
        announced.Should().OnlyContain(t => t.GetProperty("user_id").GetString() == alice.Id);
        var channels = announced.Select(t => t.GetProperty("channel_id").GetString()).ToList();
        channels.Count(c => c == second.Id).Should().Be(1, "the other channel is announced on its own");
        // One announcement per channel per interval: exactly one when the burst fits in one interval, as it
        // does on any ordinary machine; a machine slow enough to stretch it may add one per interval begun,
        // never one per event or per socket (that would be twenty).
        channels.Count(c => c == first.Id).Should().BeInRange(1, 1 + (int)(elapsed / Interval),
            $"twenty events from two sockets in {elapsed.TotalMilliseconds:0} ms");

        // Still typing after the interval: announced again, and not before the interval has passed.
        JsonElement? again = null;
        var deadline = DateTime.UtcNow + Interval + TimeSpan.FromSeconds(60);
        while (again is null)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "typing must be announced again once the interval has passed");
            await aliceDesktop.SendJsonAsync(new { @event = "typing", data = new { channel_id = first.Id } });
            again = (await bobSocket.DrainAsync(TimeSpan.FromMilliseconds(250)))
                .Where(f => f.GetProperty("event").GetString() == "typing")
                .Select(f => f.GetProperty("data"))
                .Cast<JsonElement?>()
                .FirstOrDefault();
        }

        burst.Elapsed.Should().BeGreaterThanOrEqualTo(Interval, "the first announcement's interval began after the burst did");
        again.Value.GetProperty("channel_id").GetString().Should().Be(first.Id);
    }

    /// <summary>Every frame up to and including the messages with these texts, with a generous bound.</summary>
    private static async Task<List<JsonElement>> FramesUntilMessagesAsync(WsClient socket, string[] texts)
    {
        var frames = new List<JsonElement>();
        var missing = texts.ToHashSet();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (missing.Count > 0)
        {
            var frame = await socket.ReceiveAsync(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (deadline - DateTime.UtcNow).Ticks)));
            frames.Add(frame);
            if (frame.GetProperty("event").GetString() == "message")
            {
                missing.Remove(MessagingApi.Text(frame.GetProperty("data")));
            }
        }

        return frames;
    }
}
