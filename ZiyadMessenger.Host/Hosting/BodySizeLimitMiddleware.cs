using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// Applies each endpoint's body limit (<see cref="BodySizeLimitMetadata"/>) or the configured default;
/// Kestrel then answers 413 as soon as a body goes over it, without reading the rest.
/// </summary>
internal sealed class BodySizeLimitMiddleware(RequestDelegate next, long defaultLimit)
{
    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodySizeLimitMetadata>();
            feature.MaxRequestBodySize = limit is null ? defaultLimit : limit.MaxBytes;
        }

        if (context.Request.ContentLength is { } length && feature?.MaxRequestBodySize is { } max && length > max)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        return next(context);
    }
}
