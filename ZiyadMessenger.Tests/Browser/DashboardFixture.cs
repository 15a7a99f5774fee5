using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>One real host and one headless Chromium for the dashboard tests.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public TestHost Host { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright? _playwright;

    /// <summary>Screenshots land here (git-ignored): TestResults/dashboard at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public string DashboardUrl => Host.Url(ModuleNames.Admin).ToString();

    public async Task InitializeAsync()
    {
        Host = await TestHost.StartAsync(new Dictionary<string, string?> { ["ZiyadMessenger:Admin:LiveTickMilliseconds"] = "1000" });
        if (Chromium.Path is null)
        {
            if (Chromium.InCi)
            {
                throw new InvalidOperationException("CI is set but no Chromium was found: install Debian's 'chromium' package (.ci/run does).");
            }

            return;
        }

        // Generous waits: the suite shares a small machine, and a login hashes a password first.
        Assertions.SetDefaultExpectTimeout(20_000);
        // The browser is the system's; Playwright must never try to fetch one.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            Args = Chromium.Args,
        });
    }

    public async Task<IPage> NewPageAsync(int width = 1366, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        return page;
    }

    public async Task<IPage> LoggedInPageAsync(int width = 1366, int height = 900)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync(DashboardUrl);
        await page.GetByLabel("Username").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(Host.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#overview-cards .card").First).ToBeVisibleAsync();
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await Screenshots.SaveAsync(page, ScreenshotDirectory, name, fullPage: true);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    private static string FindScreenshotDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("ZIYAD_SCREENSHOT_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ZiyadMessenger.sln")))
            {
                return Path.Combine(directory.FullName, "TestResults", "dashboard");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");
    }
}
