using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Host.Hosting;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Host.Observability;

/// <summary>
/// One JSON line per request with the contract's fields. The path is logged without its query string,
/// which may carry a token or a file key.
/// </summary>
internal sealed class AccessLogMiddleware(RequestDelegate next, ModulePortMap ports, AccessLogWriter writer, IEnumerable<IRequestObserver> observers)
{
    private readonly IRequestObserver[] _observers = observers.ToArray();

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            status = 499;
            throw;
        }
        finally
        {
            var record = new RequestRecord(
                DateTimeOffset.UtcNow,
                context.TraceIdentifier,
                ports.ModuleFor(context) ?? "unknown",
                context.Request.Method,
                (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText,
                context.Request.Path.Value ?? "/",
                status,
                Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3),
                context.Connection.RemoteIpAddress?.ToString(),
                context.User.FindUserId());
            writer.Write(record, context.Request.Headers.UserAgent.ToString());
            foreach (var observer in _observers)
            {
                observer.OnRequestCompleted(record);
            }
        }
    }
}

/// <summary>
/// Writes access lines to the log and, when <c>ADMIN_ACCESS_LOG_DIR</c> is set, to daily
/// <c>access-YYYY-MM-DD.log</c> files there. File writes happen on a background task, off the request.
/// </summary>
internal sealed class AccessLogWriter : BackgroundService
{
    public const string DirectoryVariable = "ADMIN_ACCESS_LOG_DIR";

    private static readonly JsonSerializerOptions LineOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ILogger _logger;
    private readonly string? _directory;
    private readonly Channel<(DateTimeOffset Day, string Line)> _lines =
        Channel.CreateBounded<(DateTimeOffset, string)>(new BoundedChannelOptions(65536) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public AccessLogWriter(ILoggerFactory loggers, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        _logger = loggers.CreateLogger("ZiyadMessenger.AccessLog");
        var directory = configuration[DirectoryVariable];
        _directory = string.IsNullOrWhiteSpace(directory) ? null : Path.GetFullPath(directory);
    }

    public void Write(RequestRecord record, string userAgent)
    {
        var line = JsonSerializer.Serialize(new
        {
            ts = record.Timestamp.ToString("O"),
            request_id = record.RequestId,
            module = record.Module,
            method = record.Method,
            route = record.Route,
            path = record.Path,
            status = record.Status,
            latency_ms = record.LatencyMs,
            client_ip = record.ClientIp,
            user_agent = userAgent,
            user_id = record.UserId,
        }, LineOptions);
        _logger.LogInformation("{AccessLog:l}", line);
        if (_directory is not null)
        {
            _lines.Writer.TryWrite((record.Timestamp, line));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_directory is null)
        {
            return;
        }

        Directory.CreateDirectory(_directory);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync();
            }
        }
        catch (OperationCanceledException)
        {
            await DrainAsync();
        }
    }

    private async Task DrainAsync()
    {
        StreamWriter? file = null;
        string? current = null;
        try
        {
            while (_lines.Reader.TryRead(out var item))
            {
                var name = Path.Combine(_directory!, $"access-{item.Day.UtcDateTime:yyyy-MM-dd}.log");
                if (name != current)
                {
                    if (file is not null)
                    {
                        await file.DisposeAsync();
                    }

                    file = new StreamWriter(new FileStream(name, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
                    current = name;
                }

                await file!.WriteLineAsync(item.Line);
            }
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "Could not write the access log file in {Directory}", _directory);
        }
        finally
        {
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }
}
