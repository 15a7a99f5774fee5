using Microsoft.Playwright;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>
/// Saves a screenshot as evidence of what a view looked like. A screenshot is an artefact, not an assertion:
/// when Chromium cannot produce a frame in time on a loaded machine (CI once timed out on "taking page
/// screenshot" after every assertion of the test had passed), the helper retries once with the viewport
/// only and then gives up with a visible line instead of failing a test whose behaviour was proven.
/// </summary>
internal static class Screenshots
{
    private const float TimeoutMilliseconds = 30_000;

    public static async Task SaveAsync(IPage page, string directory, string name, bool fullPage)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        try
        {
            await page.ScreenshotAsync(Options(path, fullPage));
        }
        catch (TimeoutException) when (fullPage)
        {
            try
            {
                await page.ScreenshotAsync(Options(path, fullPage: false));
            }
            catch (TimeoutException)
            {
                Skipped(name);
            }
        }
        catch (TimeoutException)
        {
            Skipped(name);
        }
    }

    private static PageScreenshotOptions Options(string path, bool fullPage) => new()
    {
        Path = path,
        FullPage = fullPage,
        Animations = ScreenshotAnimations.Disabled,
        Timeout = TimeoutMilliseconds,
    };

    private static void Skipped(string name) =>
        Console.Error.WriteLine($"Screenshot '{name}' not saved: Chromium produced no frame within {TimeoutMilliseconds / 1000:0} s (machine under load).");
}
