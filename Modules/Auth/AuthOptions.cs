using Microsoft.Extensions.Configuration;

namespace ZiyadMessenger.Modules.Auth;

/// <summary>The <c>ZiyadMessenger:Auth</c> settings.</summary>
internal sealed record AuthOptions(
    TimeSpan TokenLifetime,
    bool RegistrationEnabled,
    int LockoutFailures,
    TimeSpan LockoutDuration)
{
    public const string Section = "ZiyadMessenger:Auth";

    public static AuthOptions From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        return new AuthOptions(
            TimeSpan.FromMinutes(Math.Clamp(section.GetValue("TokenLifetimeMinutes", 720), 1, 60 * 24 * 90)),
            section.GetValue("RegistrationEnabled", true),
            Math.Max(0, section.GetValue("LockoutFailures", 5)),
            TimeSpan.FromMinutes(Math.Max(0.05, section.GetValue("LockoutMinutes", 5.0))));
    }
}
