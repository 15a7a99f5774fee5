namespace ZiyadMessenger.Tests.Browser;

/// <summary>
/// Finds the system's Chromium (Debian's <c>chromium</c> package; no browser is ever downloaded).
/// <c>ZIYAD_CHROMIUM</c> may name the executable explicitly.
/// </summary>
internal static class Chromium
{
    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

    public static readonly string? Path = Find();

    /// <summary>In CI a missing browser is a failure, not a skip: the browser tests must run there.</summary>
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static readonly string[] Args =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("ZIYAD_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in Names)
        {
            foreach (var directory in directories)
            {
                var candidate = System.IO.Path.Combine(directory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

/// <summary>A browser test: skipped with the reason when no Chromium is installed, unless running in CI.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chromium.Path is null && !Chromium.InCi)
        {
            Skip = "No Chromium found (install Debian's 'chromium' package or set ZIYAD_CHROMIUM); browser tests skipped. In CI (CI set) they fail instead.";
        }
    }
}
