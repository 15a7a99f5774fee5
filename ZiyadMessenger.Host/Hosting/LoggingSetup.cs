using System.Collections.Concurrent;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
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
        // The logger is made before the container validates options on start, so these settings are
        // checked here, with the same validator and the same one-line error.
        var options = new LoggingOptions();
        builder.Configuration.GetSection(LoggingOptions.Section).Bind(options);
        if (new LoggingOptionsValidator().Validate(options) is { IsValid: false } check)
        {
            throw new ConfigurationException($"{LoggingOptions.Section}:{check.Errors[0].PropertyName}", check.Errors[0].ErrorMessage);
        }

        builder.Services.AddSettings<LoggingOptions, LoggingOptionsValidator>(LoggingOptions.Section);
        var console = options.Console;
        var retained = options.RetainedDays;
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

/// <summary>The <c>ZiyadMessenger:Logging</c> settings.</summary>
internal sealed class LoggingOptions
{
    public const string Section = "ZiyadMessenger:Logging";

    /// <summary>Also log to the console (for a person at a terminal; systemd's journal keeps it too).</summary>
    public bool Console { get; set; } = true;

    /// <summary>How many daily JSON log files are kept under the data directory's <c>logs</c>.</summary>
    public int RetainedDays { get; set; } = 14;
}

internal sealed class LoggingOptionsValidator : AbstractValidator<LoggingOptions>
{
    public LoggingOptionsValidator()
    {
        // 0 would keep no file at all (the day's file is the one being written); a silent clamp hid that.
        RuleFor(o => o.RetainedDays).InclusiveBetween(1, 3650)
            .WithMessage("'{PropertyValue}' is not between 1 and 3650 days.");
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
