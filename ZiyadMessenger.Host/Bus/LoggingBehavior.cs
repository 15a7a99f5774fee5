using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Host.Bus;

/// <summary>
/// Logs each bus request's name, outcome and duration at Debug, and unexpected failures at Error.
/// Message contents are never logged: they may carry passwords.
/// </summary>
internal sealed class LoggingBehavior<TMessage, TResponse>(ILogger<LoggingBehavior<TMessage, TResponse>> logger)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await next(message, cancellationToken);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Bus {Message} handled in {ElapsedMs:0.0} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return response;
        }
        catch (Exception ex) when (ex is not AppException and not FluentValidation.ValidationException and not OperationCanceledException)
        {
            logger.LogError(ex, "Bus {Message} failed after {ElapsedMs:0.0} ms", typeof(TMessage).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}
