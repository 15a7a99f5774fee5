using FluentValidation;

namespace ZiyadMessenger.Modules.Presence;

/// <summary>The <c>ZiyadMessenger:Presence</c> settings.</summary>
internal sealed class PresenceOptions
{
    public const string Section = "ZiyadMessenger:Presence";
    public const double DefaultOfflineAfterSeconds = 60;

    /// <summary>Persisted last-seen times lag the truth by at most this much (and not at all after a clean stop).</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);

    /// <summary>A user with no socket and no heartbeat for this long is offline.</summary>
    public double OfflineAfterSeconds { get; set; } = DefaultOfflineAfterSeconds;

    public TimeSpan OfflineAfter => TimeSpan.FromSeconds(OfflineAfterSeconds);

    /// <summary>How often expiry is checked: often enough that "offline" arrives within a quarter of the window.</summary>
    public TimeSpan SweepInterval => TimeSpan.FromMilliseconds(Math.Clamp(OfflineAfter.TotalMilliseconds / 4, 100, 1000));
}

internal sealed class PresenceOptionsValidator : AbstractValidator<PresenceOptions>
{
    public PresenceOptionsValidator()
    {
        RuleFor(o => o.OfflineAfterSeconds).Must(s => s is > 0 and <= 86_400)
            .WithMessage("'{PropertyValue}' is not more than 0 and at most 86400 seconds (a day).");
    }
}
