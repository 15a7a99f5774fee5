using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Errors;

/// <summary>
/// The one place failures become answers: <c>application/problem+json</c> with the contract's
/// <c>error</c> member. Bad input is a 4xx with a message a person can act on; only a real fault is a
/// 500, and it never carries a stack trace.
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is listening for an answer.
            context.Response.StatusCode = 499;
            return true;
        }

        var (status, message, errors) = Describe(exception);
        if (StoreOutage.Is(exception))
        {
            // Expected while the store is away: one line, no stack trace, and stale pooled connections dropped.
            logger.LogWarning("{Method} {Path} answered 503: the store is unavailable ({Reason})", context.Request.Method, context.Request.Path.Value,
                DriverReason(exception));
            context.RequestServices.GetService<StoreConnections>()?.ForgetIdleConnections();
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled failure on {Method} {Path}", context.Request.Method, context.Request.Path.Value);
        }

        if (context.Response.HasStarted)
        {
            return true;
        }

        if (exception is AppException { RetryAfterSeconds: { } retry })
        {
            context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = StoreOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.Response.StatusCode = status;
        var problem = errors is null
            ? new ProblemDetails { Status = status, Detail = message }
            : new ValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value)) { Status = status, Detail = message };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    internal static (int Status, string Message, IReadOnlyDictionary<string, string[]>? Errors) Describe(Exception exception) => exception switch
    {
        AppException app => (app.Status, app.Message, app.Errors),
        ValidationException validation => (400, "Some fields are invalid.", GroupFailures(validation)),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (413, "The request body is too large for this endpoint.", null),
        BadHttpRequestException { InnerException: JsonException json } => (400, DescribeJson(json), null),
        BadHttpRequestException bad when bad.Message.StartsWith("Required parameter", StringComparison.Ordinal)
            || bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal)
            || bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal) =>
            (400, DescribeBinding(bad.Message), null),
        BadHttpRequestException bad when bad.Message.Contains("content type", StringComparison.OrdinalIgnoreCase) =>
            (415, "Send the body as application/json.", null),
        BadHttpRequestException bad => (bad.StatusCode, "The request could not be understood.", null),
        JsonException json => (400, DescribeJson(json), null),
        InvalidDataException => (400, "The request body could not be read.", null),
        _ when StoreOutage.Is(exception) => (503, StoreOutage.Message, null),
        _ => (500, "An unexpected error occurred. The request id identifies it in the server log.", null),
    };

    /// <summary>The driver's own sentence, innermost first (it names what failed, never a value).</summary>
    private static string DriverReason(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is { } next && inner is not Npgsql.NpgsqlException)
        {
            inner = next;
        }

        return inner.Message;
    }

    private static string DescribeJson(JsonException json) =>
        json.Path is { Length: > 1 } path
            ? $"The request body is not valid JSON for this endpoint (at {ToSnakePath(path)})."
            : "The request body is not valid JSON.";

    private static string DescribeBinding(string message)
    {
        // "Required parameter \"string id\" was not provided from query string." → name the parameter only.
        var start = message.IndexOf('"');
        var end = start >= 0 ? message.IndexOf('"', start + 1) : -1;
        if (start >= 0 && end > start)
        {
            var parameter = message[(start + 1)..end].Split(' ').Last();
            return message.StartsWith("Required", StringComparison.Ordinal)
                ? $"The parameter '{parameter}' is required."
                : $"The parameter '{parameter}' has an invalid value.";
        }

        return "A required parameter is missing or invalid.";
    }

    private static string ToSnakePath(string path) => path;

    private static Dictionary<string, string[]> GroupFailures(ValidationException validation) =>
        validation.Errors
            .GroupBy(f => JsonNamingPolicy.SnakeCaseLower.ConvertName(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
}
