using ZiyadMessenger.Modules.Contracts.Presence;

namespace ZiyadMessenger.Modules.Presence.Tracking;

internal enum PresenceEventKind
{
    Heartbeat,
    Connected,
    Disconnected,
}

/// <summary>Something that happened on this node: a heartbeat with its status, or a socket opened or closed (with the sockets left).</summary>
/// <param name="Saved">Completed once the event is in the shared row (heartbeats: the answer waits for it).</param>
internal sealed record PresenceEvent(string UserId, PresenceEventKind Kind, UserStatus Status, int LocalSockets, TaskCompletionSource? Saved = null);

/// <summary>What every node agrees on about a user (the <c>presence_shared</c> row); times by the database's clock.</summary>
internal sealed record SharedPresence(UserStatus Chosen, bool SignedOff, DateTimeOffset? LastActive)
{
    public static readonly SharedPresence Never = new(UserStatus.Online, false, null);
}

/// <summary>
/// How one node's event changes the shared row, with the row locked: the same rules as one node's
/// <see cref="PresenceTracker"/>. First the row is settled as of now: a user who was offline (signed off,
/// or no socket anywhere and the window passed) starts the new session "online", whatever they chose
/// before. That step is what keeps a quick reconnect on another node from bringing back an old "busy":
/// the node that saw them go offline may not have told anyone, so the row itself must say it.
/// </summary>
internal static class SharedPresenceRule
{
    public static SharedPresence Apply(SharedPresence row, PresenceEvent presenceEvent, int socketsBefore, DateTimeOffset now, TimeSpan offlineAfter)
    {
        var wasOffline = row.SignedOff || (socketsBefore == 0 && (row.LastActive is not { } active || now - active >= offlineAfter));
        var chosen = wasOffline ? UserStatus.Online : row.Chosen;
        return presenceEvent.Kind switch
        {
            PresenceEventKind.Heartbeat when presenceEvent.Status == UserStatus.Offline => new SharedPresence(chosen, true, now),
            PresenceEventKind.Heartbeat => new SharedPresence(presenceEvent.Status, false, now),
            PresenceEventKind.Connected => new SharedPresence(chosen, false, now),
            _ => row with { Chosen = chosen, LastActive = now },
        };
    }
}
