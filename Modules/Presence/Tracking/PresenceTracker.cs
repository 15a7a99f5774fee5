using System.Threading.Channels;
using ZiyadMessenger.Modules.Contracts.Presence;

namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>
/// Everyone's presence, in memory. A user is shown with the status they chose (online, busy, away) while
/// they have an open WebSocket, or for <see cref="PresenceOptions.OfflineAfter"/> after their last
/// heartbeat or last socket close, whichever is later; offline otherwise, or at once when they say so
/// (heartbeat with status 0). A chosen busy/away lasts until they go offline. Every change of the shown
/// status is queued, in order, for <see cref="PresenceDispatcher"/>.
/// <para>
/// With several nodes (PostgreSQL) this is each node's mirror of the shared rows: local events are
/// applied here at once and queued (<see cref="Events"/>) for <see cref="PresenceSync"/>, which applies
/// them to the shared row and hands the outcome back (<see cref="ApplyShared"/>), as it does for what
/// other nodes changed. Sockets held by other nodes count like this node's own.
/// </para>
/// </summary>
internal sealed class PresenceTracker(PresenceOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unsaved = new(StringComparer.Ordinal);
    private readonly Channel<PresenceChanged> _changes = Channel.CreateUnbounded<PresenceChanged>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<PresenceEvent> _events = Channel.CreateUnbounded<PresenceEvent>(new UnboundedChannelOptions { SingleReader = true });
    private bool _sharing;

    public ChannelReader<PresenceChanged> Changes => _changes.Reader;

    /// <summary>This node's own events, in order, once <see cref="ShareEvents"/> was called (several nodes only).</summary>
    public ChannelReader<PresenceEvent> Events => _events.Reader;

    public void ShareEvents()
    {
        lock (_gate)
        {
            _sharing = true;
        }
    }

    /// <summary>Seeds last-seen times read from the store at start-up; everyone starts offline.</summary>
    public void Load(IEnumerable<(string UserId, DateTimeOffset LastSeen)> rows)
    {
        lock (_gate)
        {
            foreach (var (userId, lastSeen) in rows)
            {
                EntryFor(userId).LastSeen = lastSeen;
            }
        }
    }

    /// <param name="saved">Several nodes: completes when the heartbeat is in the shared row; null on one node.</param>
    public PresenceInfo Heartbeat(string userId, UserStatus status, DateTimeOffset now, out Task? saved)
    {
        lock (_gate)
        {
            var entry = EntryFor(userId);
            entry.LastHeartbeat = now;
            Touch(userId, entry, now);
            if (status == UserStatus.Offline)
            {
                entry.SignedOff = true;
            }
            else
            {
                entry.SignedOff = false;
                entry.Chosen = status;
            }

            var done = _sharing ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
            saved = done?.Task;
            Share(entry, new PresenceEvent(userId, PresenceEventKind.Heartbeat, status, entry.Sockets, done));
            Settle(userId, entry, now);
            return Info(userId, entry, now);
        }
    }

    public void Connected(string userId, int openSockets, DateTimeOffset now)
    {
        lock (_gate)
        {
            var entry = EntryFor(userId);
            entry.Sockets = Math.Max(1, openSockets);
            entry.SignedOff = false;
            Touch(userId, entry, now);
            Share(entry, new PresenceEvent(userId, PresenceEventKind.Connected, UserStatus.Online, entry.Sockets));
            Settle(userId, entry, now);
        }
    }

    public void Disconnected(string userId, int openSockets, DateTimeOffset now)
    {
        lock (_gate)
        {
            var entry = EntryFor(userId);
            entry.Sockets = Math.Max(0, openSockets);
            entry.LastSocketClose = now;
            Touch(userId, entry, now);
            Share(entry, new PresenceEvent(userId, PresenceEventKind.Disconnected, UserStatus.Online, entry.Sockets));
            Settle(userId, entry, now);
        }
    }

    /// <summary>
    /// The shared row of <paramref name="userId"/> as the store has it, with the sockets other nodes hold.
    /// <paramref name="ownEvent"/>: the outcome of one of this node's events. Anything else is skipped while
    /// this node still has events of that user on their way, so an older read cannot undo a newer event.
    /// </summary>
    public void ApplyShared(string userId, SharedPresence shared, int remoteSockets, bool ownEvent, DateTimeOffset now)
    {
        lock (_gate)
        {
            var entry = EntryFor(userId);
            if (ownEvent)
            {
                entry.Pending = Math.Max(0, entry.Pending - 1);
            }
            else if (entry.Pending > 0)
            {
                return;
            }

            entry.Chosen = shared.Chosen;
            entry.SignedOff = shared.SignedOff;
            entry.LastHeartbeat = shared.LastActive;
            entry.LastSocketClose = null;
            entry.RemoteSockets = Math.Max(0, remoteSockets);
            if (shared.LastActive is { } active && (entry.LastSeen is null || active > entry.LastSeen))
            {
                // Another node saw them: it also saves the time, so this one is not marked unsaved.
                entry.LastSeen = active;
            }

            Settle(userId, entry, now);
        }
    }

    /// <summary>Users whose shown status is not offline: those a node re-reads when it may have missed a change.</summary>
    public List<string> Present()
    {
        lock (_gate)
        {
            return _entries.Where(e => e.Value.Shown != UserStatus.Offline).Select(e => e.Key).ToList();
        }
    }

    /// <summary>Moves to offline everyone whose window has passed.</summary>
    public void Sweep(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (userId, entry) in _entries)
            {
                if (entry.Shown != UserStatus.Offline)
                {
                    Settle(userId, entry, now);
                }
            }
        }
    }

    public PresenceInfo Get(string userId, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(userId, out var entry))
            {
                return new PresenceInfo(userId, UserStatus.Offline, null);
            }

            // The sweep runs every so often; an answer must not show someone online past their window.
            Settle(userId, entry, now);
            return Info(userId, entry, now);
        }
    }

    public (int Online, int Busy, int Away) Counts()
    {
        lock (_gate)
        {
            int online = 0, busy = 0, away = 0;
            foreach (var entry in _entries.Values)
            {
                switch (entry.Shown)
                {
                    case UserStatus.Online: online++; break;
                    case UserStatus.Busy: busy++; break;
                    case UserStatus.Away: away++; break;
                }
            }

            return (online, busy, away);
        }
    }

    /// <summary>
    /// Last-seen times changed since the previous call. Users with an open socket are being seen right
    /// now, so their time is advanced to <paramref name="now"/> first.
    /// </summary>
    public List<(string UserId, DateTimeOffset LastSeen)> TakeUnsaved(DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (var (userId, entry) in _entries)
            {
                // Only this node's own sockets: each node saves the times of the users it holds.
                if (entry.Sockets > 0 && !entry.SignedOff)
                {
                    Touch(userId, entry, now);
                }
            }

            var unsaved = new List<(string, DateTimeOffset)>(_unsaved.Count);
            foreach (var userId in _unsaved)
            {
                unsaved.Add((userId, _entries[userId].LastSeen!.Value));
            }

            _unsaved.Clear();
            return unsaved;
        }
    }

    /// <summary>Marks times whose saving failed as unsaved again.</summary>
    public void Requeue(IEnumerable<(string UserId, DateTimeOffset LastSeen)> failed)
    {
        lock (_gate)
        {
            foreach (var (userId, _) in failed)
            {
                _unsaved.Add(userId);
            }
        }
    }

    private Entry EntryFor(string userId)
    {
        if (!_entries.TryGetValue(userId, out var entry))
        {
            entry = new Entry();
            _entries[userId] = entry;
        }

        return entry;
    }

    private void Share(Entry entry, PresenceEvent presenceEvent)
    {
        if (_sharing)
        {
            entry.Pending++;
            _events.Writer.TryWrite(presenceEvent);
        }
    }

    private void Touch(string userId, Entry entry, DateTimeOffset now)
    {
        if (entry.LastSeen is null || now > entry.LastSeen)
        {
            entry.LastSeen = now;
            _unsaved.Add(userId);
        }
    }

    private UserStatus Effective(Entry entry, DateTimeOffset now)
    {
        if (entry.SignedOff)
        {
            return UserStatus.Offline;
        }

        if (entry.Sockets + entry.RemoteSockets > 0)
        {
            return entry.Chosen;
        }

        var lastActive = Max(entry.LastHeartbeat, entry.LastSocketClose);
        return lastActive is { } at && now - at < options.OfflineAfter ? entry.Chosen : UserStatus.Offline;
    }

    private void Settle(string userId, Entry entry, DateTimeOffset now)
    {
        var status = Effective(entry, now);
        if (status == UserStatus.Offline)
        {
            // A chosen busy or away lasts while the user is around, not into their next session.
            entry.Chosen = UserStatus.Online;
        }

        if (status != entry.Shown)
        {
            entry.Shown = status;
            _changes.Writer.TryWrite(new PresenceChanged(userId, status, entry.LastSeen));
        }
    }

    private static PresenceInfo Info(string userId, Entry entry, DateTimeOffset now) =>
        new(userId, entry.Shown, entry.Shown != UserStatus.Offline && entry.Sockets + entry.RemoteSockets > 0 ? now : entry.LastSeen);

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;

    private sealed class Entry
    {
        public UserStatus Chosen { get; set; } = UserStatus.Online;
        public UserStatus Shown { get; set; } = UserStatus.Offline;
        public bool SignedOff { get; set; }
        public int Sockets { get; set; }
        /// <summary>Sockets other nodes hold (several nodes only).</summary>
        public int RemoteSockets { get; set; }
        /// <summary>This node's events of this user not yet applied to the shared row.</summary>
        public int Pending { get; set; }
        public DateTimeOffset? LastHeartbeat { get; set; }
        public DateTimeOffset? LastSocketClose { get; set; }
        public DateTimeOffset? LastSeen { get; set; }
    }
}
