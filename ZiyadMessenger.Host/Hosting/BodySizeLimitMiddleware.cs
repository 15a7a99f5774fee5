using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Applies each endpoint's body limit (<see cref="BodySizeLimitMetadata"/>) or the configured default;
/// Kestrel then answers 413 as soon as a body goes over it, without reading the rest.
/// </summary>
internal sealed class BodySizeLimitMiddleware(RequestDelegate next, ServerLimits limits)
{
    private const long SmallBodyBytes = 1024 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodySizeLimitMetadata>();
            feature.MaxRequestBodySize = limit is null ? limits.Limits.DefaultMaxBodyBytes : limit.MaxBytes;
        }

        if (context.Request.ContentLength is { } length && feature?.MaxRequestBodySize is { } max && length > max)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        // At shutdown Kestrel wakes every connection with a cancelled read; a JSON body read straight from
        // the request PipeReader turns that into an OperationCanceledException, failing requests in
        // flight instead of finishing them. Read through a buffered stream, which Kestrel feeds normally.
        // Only small bodies: uploads (large or unlimited) stream as they are.
        if (feature?.MaxRequestBodySize is <= SmallBodyBytes && (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0))
        {
            context.Request.EnableBuffering(bufferThreshold: 64 * 1024);
        }

        return next(context);
    }
}
