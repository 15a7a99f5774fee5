using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Cluster;

public sealed record NodeInfo(
    string Id,
    string Address,
    string Role,
    bool IsLeader,
    DateTimeOffset LastSeen,
    string Version,
    long UptimeSeconds,
    int Connections,
    bool Healthy);

public sealed record ClusterStatus(string NodeId, IReadOnlyList<NodeInfo> Nodes, int Total, int Healthy);

public sealed record GetClusterStatus : IQuery<ClusterStatus>;

public sealed record NodeJoined(string NodeId, string Address) : INotification;
