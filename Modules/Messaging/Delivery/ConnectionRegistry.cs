using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.WebSockets;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// The sockets open on this node, by user. Lists are copy-on-write snapshots: connects and disconnects
/// are rare next to deliveries, which then iterate without locks.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, ImmutableArray<ClientConnection>> _byUser = new(StringComparer.Ordinal);
    private ImmutableArray<ClientConnection> _all = [];

    public ImmutableArray<ClientConnection> All => _all;

    /// <returns>The user's open sockets, this one included.</returns>
    public int Add(ClientConnection connection)
    {
        lock (_gate)
        {
            _all = _all.Add(connection);
            var mine = _byUser.GetValueOrDefault(connection.UserId, []).Add(connection);
            _byUser[connection.UserId] = mine;
            return mine.Length;
        }
    }

    /// <returns>The user's open sockets left.</returns>
    public int Remove(ClientConnection connection)
    {
        lock (_gate)
        {
            _all = _all.Remove(connection);
            var mine = _byUser.GetValueOrDefault(connection.UserId, []).Remove(connection);
            if (mine.IsEmpty)
            {
                _byUser.TryRemove(connection.UserId, out _);
            }
            else
            {
                _byUser[connection.UserId] = mine;
            }

            return mine.Length;
        }
    }

    public ImmutableArray<ClientConnection> OfUser(string userId) => _byUser.GetValueOrDefault(userId, []);

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

    public void CloseAll(WebSocketCloseStatus status, string reason)
    {
        foreach (var socket in _all)
        {
            socket.Close(status, reason);
        }
    }

    public ConnectionStats Stats()
    {
        var all = _all;
        return new ConnectionStats(all.Length, _byUser.Count);
    }
}
