using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Formatting.Compact;
using ZiyadMessenger.Host.Observability;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Serilog from the <c>Serilog</c> section of appsettings, plus two sinks the server always has: the
/// console (for a person), and daily JSON files in the data directory's <c>logs</c> folder (for a
/// machine), kept for <c>ZiyadMessenger:Logging:RetainedDays</c> days.
/// </summary>
internal static class LoggingSetup
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static void AddZiyadLogging(this WebApplicationBuilder builder, StorePaths paths)
    {
        var section = builder.Configuration.GetSection("ZiyadMessenger:Logging");
        var console = section.GetValue("Console", true);
        var retained = Math.Max(1, section.GetValue("RetainedDays", 14));
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
                .Enrich.With(new RequestIdEnricher(services.GetRequiredService<IHttpContextAccessor>()), new QueryStringRedactor())
                .WriteTo.Async(sink => sink.File(
                    new CompactJsonFormatter(),
                    Path.Combine(paths.LogsDirectory, "ziyad-.log"),
                    rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: retained,
                    shared: true));
            if (console)
            {
                logger.WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);
            }
        },
        // Each host keeps its own logger: with the static Log.Logger, several hosts in one process (the
        // tests) would write into whichever was built last, and the first disposed would silence the rest.
        preserveStaticLogger: true);
        builder.Services.Decorate<ILoggerFactory, CachingLoggerFactory>();
    }
}

/// <summary>
/// Serilog's logger factory makes a new logger (with its own caches, about 1 KB) on every call, and
/// ASP.NET Core asks for one per request in places (each authentication handler). Loggers are
/// thread-safe and depend only on their category, so one per category serves the whole process; an open
/// WebSocket otherwise keeps its request's logger alive for as long as it is open.
/// </summary>
internal sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, Microsoft.Extensions.Logging.ILogger> _loggers = new(StringComparer.Ordinal);

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, factory) => factory.CreateLogger(name), inner);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
