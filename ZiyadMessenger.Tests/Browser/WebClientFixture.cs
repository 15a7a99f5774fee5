using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Browser;

/// <summary>
/// One real host and one headless Chromium for the web client's tests. Each user gets a browser context of
/// their own (separate storage, like two people on two machines). The host counts the requests it answers,
/// so a test can see what the browser really sent (preflights included).
/// </summary>
public sealed class WebClientFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public TestHost Host { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public RequestLog Requests { get; } = new();

    /// <summary>Screenshots land here (git-ignored): TestResults/web-client at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(Path.GetDirectoryName(DashboardFixture.ScreenshotDirectory)!, "web-client");

    public string ClientUrl => Host.Url(ModuleNames.Messaging).ToString();

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync();
        if (Chromium.Path is null)
        {
            if (Chromium.InCi)
            {
                throw new InvalidOperationException("CI is set but no Chromium was found: install Debian's 'chromium' package.");
            }

            return;
        }

        Assertions.SetDefaultExpectTimeout(20_000);
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium.Path, Headless = true, Args = Chromium.Args });
    }

    /// <summary>Starts (or, given the old one's data and ports, restarts) the host with the request log attached.</summary>
    public Task<TestHost> StartHostAsync(string? dataDirectory = null, IReadOnlyDictionary<string, int>? ports = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Cors:Origins:0"] = "http://partner.example:9000",
        };
        return TestHost.StartAsync(settings, dataDirectory, services => services.AddSingleton<IRequestObserver>(Requests), ports);
    }

    /// <summary>Stops the host and starts it again on the same ports and data, as an office server restart does.</summary>
    public async Task RestartHostAsync(Func<Task>? whileDown = null)
    {
        var data = Host.DataDirectory;
        var ports = Host.Ports;
        await Host.StopAsync();
        await Host.App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (whileDown is not null)
        {
            await whileDown();
        }

        Host = await StartHostAsync(data, ports);
    }

    public async Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 800, bool notifications = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        if (notifications)
        {
            await context.GrantPermissionsAsync(["notifications"], new() { Origin = ClientUrl.TrimEnd('/') });
        }

        return context;
    }

    /// <summary>A page of the web client, logged in as the user through the login form.</summary>
    public async Task<IPage> LoggedInPageAsync(TestUser user, int width = 1280, int height = 800, bool notifications = false, IBrowserContext? context = null)
    {
        context ??= await NewContextAsync(width, height, notifications);
        var page = await context.NewPageAsync();
        await page.GotoAsync(ClientUrl);
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        // Connected (the indicator itself is folded away at phone width).
        await Assertions.Expect(page.Locator(".live.on")).ToHaveCountAsync(1);
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await Screenshots.SaveAsync(page, ScreenshotDirectory, name, fullPage: false);
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
}

/// <summary>Every request the host answered: method, module and path.</summary>
public sealed class RequestLog : IRequestObserver
{
    private readonly ConcurrentQueue<RequestRecord> _records = new();

    public IReadOnlyList<RequestRecord> Records => _records.ToArray();

    public void OnRequestCompleted(RequestRecord record) => _records.Enqueue(record);
}
