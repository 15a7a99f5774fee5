using FluentValidation;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>The <c>ZiyadMessenger:Admin</c> settings.</summary>
internal sealed class AdminSettings
{
    public const string Section = "ZiyadMessenger:Admin";

    /// <summary>Password of the first <c>admin</c>; random and printed once when empty.</summary>
    public string? InitialPassword
    {
        get => _initialPassword;
        set => _initialPassword = string.IsNullOrEmpty(value) ? null : value;
    }

    private string? _initialPassword;
    public int TokenLifetimeMinutes { get; set; } = 480;
    public int LockoutFailures { get; set; } = 5;
    public int LockoutMinutes { get; set; } = 5;
    public int LiveTickMilliseconds { get; set; } = 5000;

    public TimeSpan TokenLifetime => TimeSpan.FromMinutes(TokenLifetimeMinutes);
    public TimeSpan LockoutWindow => TimeSpan.FromMinutes(LockoutMinutes);
    public TimeSpan LiveTick => TimeSpan.FromMilliseconds(LiveTickMilliseconds);
}

internal sealed class AdminSettingsValidator : AbstractValidator<AdminSettings>
{
    public AdminSettingsValidator()
    {
        // The value is a secret: the message never repeats it.
        RuleFor(o => o.InitialPassword).Length(8, 128).When(o => o.InitialPassword is not null)
            .WithMessage("must be 8 to 128 characters long (or empty: a random one is printed once).");
        RuleFor(o => o.TokenLifetimeMinutes).InclusiveBetween(5, 60 * 24 * 7)
            .WithMessage("'{PropertyValue}' is not between 5 and 10080 minutes (a week).");
        // Admin accounts are always protected: unlike users' lockout, this one cannot be switched off.
        RuleFor(o => o.LockoutFailures).InclusiveBetween(1, 1000)
            .WithMessage("'{PropertyValue}' is not between 1 and 1000 failures.");
        RuleFor(o => o.LockoutMinutes).InclusiveBetween(1, 60 * 24)
            .WithMessage("'{PropertyValue}' is not between 1 and 1440 minutes (a day).");
        RuleFor(o => o.LiveTickMilliseconds).InclusiveBetween(200, 60_000)
            .WithMessage("'{PropertyValue}' is not between 200 and 60000 milliseconds.");
    }
}
