using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Formatting.Compact;
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
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(builder.Configuration)
                .Enrich.FromLogContext()
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
    }
}
