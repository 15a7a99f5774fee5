using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Modules.Presence.Tracking;

namespace ZiyadMessenger.Tests.Unit.Presence;

/// <summary>How one node's event changes a user's shared presence row (several nodes on PostgreSQL).</summary>
public sealed class SharedPresenceRuleTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static PresenceEvent Connected(int sockets = 1) => new("u", PresenceEventKind.Connected, UserStatus.Online, sockets);

    private static PresenceEvent Heartbeat(UserStatus status) => new("u", PresenceEventKind.Heartbeat, status, 0);

    [Fact]
    public void A_new_session_after_signing_off_starts_online()
    {
        var row = new SharedPresence(UserStatus.Busy, SignedOff: true, Now.AddSeconds(-1));

        SharedPresenceRule.Apply(row, Connected(), socketsBefore: 0, Now, Window)
            .Should().Be(new SharedPresence(UserStatus.Online, false, Now));
    }

    [Fact]
    public void A_new_session_after_the_window_passed_starts_online()
    {
        var row = new SharedPresence(UserStatus.Away, false, Now - Window);

        SharedPresenceRule.Apply(row, Connected(), socketsBefore: 0, Now, Window).Chosen.Should().Be(UserStatus.Online);
    }

    [Fact]
    public void Reconnecting_within_the_window_keeps_the_chosen_status()
    {
        var row = new SharedPresence(UserStatus.Busy, false, Now.AddSeconds(-5));

        SharedPresenceRule.Apply(row, Connected(), socketsBefore: 0, Now, Window).Chosen.Should().Be(UserStatus.Busy);
    }

    [Fact]
    public void A_socket_on_another_node_keeps_the_session_whatever_the_window()
    {
        var row = new SharedPresence(UserStatus.Away, false, Now.AddHours(-3));

        SharedPresenceRule.Apply(row, Connected(), socketsBefore: 1, Now, Window).Chosen.Should().Be(UserStatus.Away);
    }

    [Fact]
    public void A_heartbeat_sets_the_choice_and_a_status_0_heartbeat_signs_off()
    {
        var chosen = SharedPresenceRule.Apply(SharedPresence.Never, Heartbeat(UserStatus.Busy), 0, Now, Window);
        chosen.Should().Be(new SharedPresence(UserStatus.Busy, false, Now));

        SharedPresenceRule.Apply(chosen, Heartbeat(UserStatus.Offline), 0, Now.AddSeconds(1), Window)
            .Should().Be(new SharedPresence(UserStatus.Busy, true, Now.AddSeconds(1)));
    }

    [Fact]
    public void Closing_a_socket_keeps_the_sign_off_state_and_moves_last_active()
    {
        var row = new SharedPresence(UserStatus.Busy, false, Now.AddSeconds(-10));

        SharedPresenceRule.Apply(row, new PresenceEvent("u", PresenceEventKind.Disconnected, UserStatus.Online, 0), socketsBefore: 1, Now, Window)
            .Should().Be(new SharedPresence(UserStatus.Busy, false, Now));
    }
}
