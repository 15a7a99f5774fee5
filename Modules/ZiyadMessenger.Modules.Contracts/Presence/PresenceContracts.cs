using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Presence;

public enum UserStatus
{
    Offline = 0,
    Online = 1,
    Busy = 2,
    Away = 3,
}

public sealed record PresenceInfo(string UserId, UserStatus Status, DateTimeOffset? LastSeen);

public sealed record PresenceStats(int Online, int Busy, int Away, IReadOnlyList<int> OnlinePerMinuteLastHour);

public sealed record GetPresence(IReadOnlyCollection<string> UserIds) : IQuery<IReadOnlyList<PresenceInfo>>;
public sealed record GetPresenceStats : IQuery<PresenceStats>;

public sealed record PresenceChanged(string UserId, UserStatus Status, DateTimeOffset? LastSeen) : INotification;
