using FluentValidation;

namespace ZiyadMessenger.Modules.Auth;

/// <summary>The <c>ZiyadMessenger:Auth</c> settings.</summary>
internal sealed class AuthOptions
{
    public const string Section = "ZiyadMessenger:Auth";

    public int TokenLifetimeMinutes { get; set; } = 720;
    public bool RegistrationEnabled { get; set; } = true;
    /// <summary>Failed logins that lock a username; 0 switches the lockout off.</summary>
    public int LockoutFailures { get; set; } = 5;
    public double LockoutMinutes { get; set; } = 5;

    public TimeSpan TokenLifetime => TimeSpan.FromMinutes(TokenLifetimeMinutes);
    public TimeSpan LockoutDuration => TimeSpan.FromMinutes(LockoutMinutes);
}

internal sealed class AuthOptionsValidator : AbstractValidator<AuthOptions>
{
    public AuthOptionsValidator()
    {
        RuleFor(o => o.TokenLifetimeMinutes).InclusiveBetween(1, 60 * 24 * 90)
            .WithMessage("'{PropertyValue}' is not between 1 and 129600 minutes (90 days).");
        RuleFor(o => o.LockoutFailures).InclusiveBetween(0, 1000)
            .WithMessage("'{PropertyValue}' is not between 0 (no lockout) and 1000 failures.");
        RuleFor(o => o.LockoutMinutes).Must(m => m is > 0 and <= 60 * 24)
            .WithMessage("'{PropertyValue}' is not more than 0 and at most 1440 minutes (a day).");
    }
}
