using System.Collections.Concurrent;

namespace ZiyadMessenger.Modules.Messaging.Delivery;

/// <summary>
/// A typing event goes to every reader of the channel, so one client repeating it in a loop would be
/// multiplied by the size of the audience. Each user's typing is announced at most once per channel per
/// interval, however many sockets or events it comes from; clients repeat it while the user types, and
/// the indicator they show lasts longer than the interval, so nobody sees a difference.
/// </summary>
internal sealed class TypingThrottle(MessagingOptions options, TimeProvider clock)
{
    private const int SweepAbove = 10_000;
    private readonly ConcurrentDictionary<(string UserId, string ChannelId), long> _announced = new();

    /// <returns>True when this typing event should be announced; false when one was moments ago.</returns>
    public bool ShouldAnnounce(string userId, string channelId)
    {
        var now = clock.GetTimestamp();
        var interval = (long)(options.TypingIntervalMilliseconds / 1000.0 * clock.TimestampFrequency);
        var key = (userId, channelId);
        while (true)
        {
            if (!_announced.TryGetValue(key, out var last))
            {
                if (_announced.TryAdd(key, now))
                {
                    SweepIfLarge(now, interval);
                    return true;
                }

                continue;
            }

            if (now - last < interval)
            {
                return false;
            }

            // Two sockets of the same user may race here: one of them wins the interval.
            if (_announced.TryUpdate(key, now, last))
            {
                return true;
            }
        }
    }

    private void SweepIfLarge(long now, long interval)
    {
        if (_announced.Count <= SweepAbove)
        {
            return;
        }

        foreach (var (key, last) in _announced)
        {
            if (now - last >= interval)
            {
                _announced.TryRemove(new KeyValuePair<(string, string), long>(key, last));
            }
        }
    }
}
