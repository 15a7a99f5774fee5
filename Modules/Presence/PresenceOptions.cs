using Microsoft.Extensions.Configuration;

namespace ZiyadMessenger.Modules.Presence;

internal sealed record PresenceOptions(TimeSpan OfflineAfter)
{
    public const double DefaultOfflineAfterSeconds = 60;

    /// <summary>Persisted last-seen times lag the truth by at most this much (and not at all after a clean stop).</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often expiry is checked: often enough that "offline" arrives within a quarter of the window.</summary>
    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(Math.Clamp(OfflineAfter.TotalMilliseconds / 4, 100, 1000));

    public static PresenceOptions From(IConfiguration configuration)
    {
        var seconds = configuration.GetValue("ZiyadMessenger:Presence:OfflineAfterSeconds", DefaultOfflineAfterSeconds);
        if (seconds <= 0 || double.IsNaN(seconds) || seconds > 86_400)
        {
            throw new InvalidOperationException("ZiyadMessenger:Presence:OfflineAfterSeconds must be between 0 and 86400 seconds.");
        }

        return new PresenceOptions(TimeSpan.FromSeconds(seconds));
    }
}
