using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.Presence;

public sealed class PresenceRestartAndStatsTests
{
    [Fact]
    public async Task Last_seen_survives_a_restart_and_everyone_starts_offline()
    {
        var dataDirectory = TestHost.NewDataDirectory();
        TestUser alice;
        string lastSeen;
        await using (var first = await PresenceFixture.StartAsync(dataDirectory))
        {
            alice = await first.CreateUserAsync();
            (await first.HeartbeatAsync(alice, 2)).EnsureSuccessStatusCode();
            lastSeen = (await first.StatusAsync(alice, alice.Id)).GetProperty("last_seen").GetString()!;
        }

        await using (var second = await PresenceFixture.StartAsync(dataDirectory))
        {
            var status = await second.StatusAsync(alice, alice.Id);
            status.GetProperty("status").GetInt32().Should().Be(0);
            status.GetProperty("last_seen").GetString().Should().Be(lastSeen);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Stats_count_each_status_now_and_the_present_per_minute()
    {
        await using var host = await PresenceFixture.StartAsync();
        var online = await host.CreateUserAsync();
        var busy = await host.CreateUserAsync();
        var away = await host.CreateUserAsync();
        var connected = await host.CreateUserAsync();
        (await host.HeartbeatAsync(online, 1)).EnsureSuccessStatusCode();
        (await host.HeartbeatAsync(busy, 2)).EnsureSuccessStatusCode();
        (await host.HeartbeatAsync(away, 3)).EnsureSuccessStatusCode();
        await using var socket = await host.ConnectAsync(connected);
        await host.WaitForStatusAsync(online, connected.Id, 1);

        var now = await StatsAsync(host);

        now.Online.Should().Be(2);
        now.Busy.Should().Be(1);
        now.Away.Should().Be(1);
        now.OnlinePerMinuteLastHour.Should().HaveCount(60);
        now.OnlinePerMinuteLastHour[^1].Should().Be(4, "the current minute is last, and four users are present");

        await host.WaitForStatusAsync(online, online.Id, 0, TimeSpan.FromSeconds(15));
        await host.WaitForStatusAsync(online, busy.Id, 0, TimeSpan.FromSeconds(15));
        await host.WaitForStatusAsync(online, away.Id, 0, TimeSpan.FromSeconds(15));
        var later = await StatsAsync(host);
        (later.Online + later.Busy + later.Away).Should().Be(1, "only the user with a socket is left");
        later.OnlinePerMinuteLastHour.Max().Should().Be(4, "the minute's peak is kept");
    }

    private static async Task<PresenceStats> StatsAsync(TestHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetPresenceStats());
    }
}
