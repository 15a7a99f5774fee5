using System.Diagnostics;
using ZiyadMessenger.Modules.Contracts.Messaging;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>Typing goes to every reader of a channel, so a client repeating it must not flood them.</summary>
public sealed class TypingTests
{
    [Fact]
    public async Task A_user_typing_is_announced_once_per_interval_per_channel_however_often_and_from_however_many_sockets()
    {
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Messaging:TypingIntervalMilliseconds"] = "2500",
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

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await (i % 2 == 0 ? alicePhone : aliceDesktop).SendJsonAsync(new { @event = "typing", data = new { channel_id = first.Id } });
        }

        await alicePhone.SendJsonAsync(new { @event = "typing", data = new { channel_id = second.Id } });
        var announced = await TypingEventsAsync(bobSocket, TimeSpan.FromMilliseconds(600));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromMilliseconds(2500), "the check must happen inside one interval");
        announced.Should().BeEquivalentTo([first.Id, second.Id], "one announcement per channel, not one per event or per socket");

        // Still typing after the interval: announced again.
        await Task.Delay(TimeSpan.FromMilliseconds(2600) - clock.Elapsed);
        await aliceDesktop.SendJsonAsync(new { @event = "typing", data = new { channel_id = first.Id } });
        (await bobSocket.ReceiveEventAsync("typing")).GetProperty("channel_id").GetString().Should().Be(first.Id);
    }

    private static async Task<List<string>> TypingEventsAsync(WsClient socket, TimeSpan window) =>
        (await socket.DrainAsync(window))
            .Where(f => f.GetProperty("event").GetString() == "typing")
            .Select(f => f.GetProperty("data").GetProperty("channel_id").GetString()!)
            .ToList();
}
