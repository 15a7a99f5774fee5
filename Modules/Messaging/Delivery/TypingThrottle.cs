using System.Threading.RateLimiting;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// A typing event goes to every reader of the channel, so one client repeating it in a loop would be
/// multiplied by the size of the audience. Each user's typing is announced at most once per channel per
/// interval, however many sockets or events it comes from; clients repeat it while the user types, and
/// the indicator they show lasts longer than the interval, so nobody sees a difference. A fixed window
/// of one permit per (user, channel); the partitioned limiter drops the windows nobody uses any more.
/// </summary>
internal sealed class TypingThrottle(MessagingOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<(string UserId, string ChannelId)> _limiter =
        PartitionedRateLimiter.Create<(string UserId, string ChannelId), (string, string)>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = 1,
                Window = TimeSpan.FromMilliseconds(options.TypingIntervalMilliseconds),
                QueueLimit = 0,
            }));

    /// <returns>True when this typing event should be announced; false when one was moments ago.</returns>
    public bool ShouldAnnounce(string userId, string channelId)
    {
        using var lease = _limiter.AttemptAcquire((userId, channelId));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
