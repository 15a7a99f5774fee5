using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// The sockets open on this node, by user. Deliveries iterate snapshots without locks; a snapshot is
/// rebuilt only when someone reads it after a change, so a connect costs O(1) however many sockets are
/// open. (Copying the whole list on every connect made 10,000 connects O(n²): about 400 MB of garbage
/// and connects slowing to 292/s with many sockets per user; see BENCHMARKS.md, connections.)
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly Lock _gate = new();
    private readonly HashSet<ClientConnection> _all = [];
    private readonly ConcurrentDictionary<string, UserSockets> _byUser = new(StringComparer.Ordinal);
    private ClientConnection[]? _allSnapshot = [];

    public ImmutableArray<ClientConnection> All
    {
        get
        {
            var snapshot = Volatile.Read(ref _allSnapshot);
            if (snapshot is null)
            {
                lock (_gate)
                {
                    snapshot = _allSnapshot ??= [.. _all];
                }
            }

            return ImmutableCollectionsMarshal.AsImmutableArray(snapshot);
        }
    }

    /// <returns>The user's open sockets, this one included.</returns>
    public int Add(ClientConnection connection)
    {
        lock (_gate)
        {
            _all.Add(connection);
            _allSnapshot = null;
            var mine = _byUser.GetOrAdd(connection.UserId, static _ => new UserSockets());
            mine.Sockets.Add(connection);
            mine.Snapshot = null;
            return mine.Sockets.Count;
        }
    }

    /// <returns>The user's open sockets left.</returns>
    public int Remove(ClientConnection connection)
    {
        lock (_gate)
        {
            if (_all.Remove(connection))
            {
                _allSnapshot = null;
            }

            if (!_byUser.TryGetValue(connection.UserId, out var mine))
            {
                return 0;
            }

            mine.Sockets.Remove(connection);
            mine.Snapshot = null;
            if (mine.Sockets.Count == 0)
            {
                _byUser.TryRemove(connection.UserId, out _);
            }

            return mine.Sockets.Count;
        }
    }

    public ImmutableArray<ClientConnection> OfUser(string userId)
    {
        if (!_byUser.TryGetValue(userId, out var mine))
        {
            return [];
        }

        var snapshot = Volatile.Read(ref mine.Snapshot);
        if (snapshot is null)
        {
            lock (_gate)
            {
                snapshot = mine.Snapshot ??= [.. mine.Sockets];
            }
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(snapshot);
    }

    /// <param name="keptTokenId">Sockets opened with this token stay open (the token that changed the password).</param>
    public int CloseUser(string userId, WebSocketCloseStatus status, string reason, string? keptTokenId = null)
    {
        var closed = 0;
        foreach (var socket in OfUser(userId))
        {
            if (keptTokenId is null || socket.TokenId != keptTokenId)
            {
                socket.Close(status, reason);
                closed++;
            }
        }

        return closed;
    }

    /// <summary>Closes the user's sockets that were opened with one token (a logout).</summary>
    public int CloseToken(string userId, string tokenId, WebSocketCloseStatus status, string reason)
    {
        var closed = 0;
        foreach (var socket in OfUser(userId))
        {
            if (socket.TokenId == tokenId)
            {
                socket.Close(status, reason);
                closed++;
            }
        }

        return closed;
    }

    public void CloseAll(WebSocketCloseStatus status, string reason)
    {
        foreach (var socket in All)
        {
            socket.Close(status, reason);
        }
    }

    public ConnectionStats Stats()
    {
        lock (_gate)
        {
            return new ConnectionStats(_all.Count, _byUser.Count);
        }
    }

    private sealed class UserSockets
    {
        public readonly HashSet<ClientConnection> Sockets = [];
        /// <summary>What deliveries iterate; null after a change until someone reads it.</summary>
        public ClientConnection[]? Snapshot;
    }
}
