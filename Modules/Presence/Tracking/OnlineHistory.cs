namespace ZiyadMessenger.Modules.Presence.Tracking;

/// <summary>The most users seen present (online, busy or away) in each of the last 60 minutes.</summary>
internal sealed class OnlineHistory
{
    private const int Minutes = 60;
    private readonly Lock _gate = new();
    private readonly long[] _minute = new long[Minutes];
    private readonly int[] _peak = new int[Minutes];

    public void Record(DateTimeOffset now, int present)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        lock (_gate)
        {
            if (_minute[slot] != minute)
            {
                _minute[slot] = minute;
                _peak[slot] = present;
            }
            else if (present > _peak[slot])
            {
                _peak[slot] = present;
            }
        }
    }

    /// <summary>60 numbers, oldest first; the last is the current minute. Minutes without a sample are 0.</summary>
    public int[] LastHour(DateTimeOffset now)
    {
        var current = now.ToUnixTimeSeconds() / 60;
        var series = new int[Minutes];
        lock (_gate)
        {
            for (var i = 0; i < Minutes; i++)
            {
                var minute = current - (Minutes - 1) + i;
                var slot = (int)(minute % Minutes);
                series[i] = _minute[slot] == minute ? _peak[slot] : 0;
            }
        }

        return series;
    }
}
