using Microsoft.AspNetCore.Http;
using Serilog.Core;
using Serilog.Events;

namespace ZiyadMessenger.Host.Observability;

/// <summary>
/// Echoes the client's <c>X-Request-ID</c> (1–128 printable ASCII characters) or makes one, and puts it
/// on the response and in <see cref="HttpContext.TraceIdentifier"/> (which problem details report).
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Request-ID";

    public Task InvokeAsync(HttpContext context)
    {
        var id = RequestIds.Of(context);
        context.TraceIdentifier = id;
        context.Response.Headers[Header] = id;
        return next(context);
    }

    internal static bool IsAcceptable(string value)
    {
        if (value.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < (char)0x20 or > (char)0x7E)
            {
                return false;
            }
        }

        return !string.IsNullOrWhiteSpace(value);
    }
}

/// <summary>
/// A request's id, chosen once: by the first log event of the request or by the middleware, whichever
/// comes first. The framework writes its "Request starting" line before any middleware runs.
/// </summary>
internal static class RequestIds
{
    private static readonly object Key = new();

    public static string Of(HttpContext context)
    {
        if (context.Items.TryGetValue(Key, out var known) && known is string id)
        {
            return id;
        }

        var supplied = context.Request.Headers[RequestIdMiddleware.Header].ToString();
        id = RequestIdMiddleware.IsAcceptable(supplied) ? supplied : Guid.NewGuid().ToString("N");
        context.Items[Key] = id;
        return id;
    }
}

/// <summary>
/// Sets <c>RequestId</c> on every event written while a request is being handled, from its first line
/// to its last. ASP.NET Core's request scope also has a <c>RequestId</c>, captured before the id was
/// chosen (the connection-based trace identifier); this replaces it.
/// </summary>
internal sealed class RequestIdEnricher(IHttpContextAccessor requests) : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (requests.HttpContext is { } context)
        {
            logEvent.AddOrUpdateProperty(new LogEventProperty("RequestId", new ScalarValue(RequestIds.Of(context))));
        }
    }
}

/// <summary>
/// The framework's request lines (<c>Microsoft.AspNetCore.Hosting</c> at Information) carry the query
/// string, where a WebSocket's token and a download's file key travel. Like the access log, the log
/// keeps the path and drops the query, whatever levels the operator chose.
/// </summary>
internal sealed class QueryStringRedactor : ILogEventEnricher
{
    private const string Property = "QueryString";
    private static readonly LogEventProperty Omitted = new(Property, new ScalarValue(""));

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (logEvent.Properties.TryGetValue(Property, out var value) && value is not ScalarValue { Value: null or "" })
        {
            logEvent.AddOrUpdateProperty(Omitted);
        }
    }
}
