using Microsoft.Extensions.Configuration;

namespace ZiyadMessenger.Modules.Admin;

internal sealed record AdminSettings(string? InitialPassword, TimeSpan TokenLifetime, int LockoutFailures, TimeSpan LockoutWindow, TimeSpan LiveTick)
{
    public static AdminSettings From(IConfiguration configuration)
    {
        var section = configuration.GetSection("ZiyadMessenger:Admin");
        var initial = section["InitialPassword"];
        return new AdminSettings(
            string.IsNullOrEmpty(initial) ? null : initial,
            TimeSpan.FromMinutes(Math.Clamp(section.GetValue("TokenLifetimeMinutes", 480), 5, 60 * 24 * 7)),
            Math.Max(1, section.GetValue("LockoutFailures", 5)),
            TimeSpan.FromMinutes(Math.Max(1, section.GetValue("LockoutMinutes", 5))),
            TimeSpan.FromMilliseconds(Math.Clamp(section.GetValue("LiveTickMilliseconds", 5000), 200, 60_000)));
    }
}
