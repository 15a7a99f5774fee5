using Microsoft.AspNetCore.Http;
using Serilog.Context;

namespace ZiyadMessenger.Host.Observability;

/// <summary>
/// Echoes the client's <c>X-Request-ID</c> (1–128 printable ASCII characters) or makes one, puts it on
/// the response and in the log context so every line of the request carries it.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string Header = "X-Request-ID";

    public async Task InvokeAsync(HttpContext context)
    {
        var supplied = context.Request.Headers[Header].ToString();
        var id = IsAcceptable(supplied) ? supplied : Guid.NewGuid().ToString("N");
        context.TraceIdentifier = id;
        context.Response.Headers[Header] = id;
        using (LogContext.Push(new RequestIdEnricher(id)))
        {
            await next(context);
        }
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
/// Sets <c>RequestId</c> on every event of the request, replacing the one ASP.NET Core's request scope
/// captured before this middleware chose the id (the connection-based trace identifier).
/// </summary>
internal sealed class RequestIdEnricher(string id) : Serilog.Core.ILogEventEnricher
{
    private readonly Serilog.Events.LogEventProperty _property = new("RequestId", new Serilog.Events.ScalarValue(id));

    public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory) =>
        logEvent.AddOrUpdateProperty(_property);
}
