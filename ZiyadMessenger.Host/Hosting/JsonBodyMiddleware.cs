using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Http;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// The one door every JSON request body goes through, before any endpoint binds it (typed records,
/// <c>JsonElement</c> bodies read with <see cref="JsonBody"/>): the charset must be UTF-8 (RFC 8259) and
/// the text must pass <see cref="JsonText"/>. Without it an unknown charset failed inside the
/// framework's reader and a string of invalid UTF-8 failed in whichever handler read it, both as 500s.
/// Runs after <see cref="BodySizeLimitMiddleware"/>, so the body it reads is already bounded and buffered.
/// </summary>
internal sealed class JsonBodyMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (TakesJson(context) && HasBody(context.Request))
        {
            await CheckAsync(context);
        }

        await next(context);
    }

    private static bool TakesJson(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { } accepts
        && accepts.ContentTypes.Any(IsJson);

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static async Task CheckAsync(HttpContext context)
    {
        var request = context.Request;
        var header = request.ContentType ?? "";
        if (!MediaTypeHeaderValue.TryParse(header, out var mediaType))
        {
            if (IsJson(header))
            {
                throw new AppException(StatusCodes.Status415UnsupportedMediaType, "The Content-Type header cannot be read: send application/json.");
            }

            // Not JSON at all: the endpoint's own binding answers 415.
            return;
        }

        if (!IsJson(mediaType.MediaType.Value ?? ""))
        {
            return;
        }

        // Any charset parameter, even an empty one, must name UTF-8: the framework's reader fails on one it does not know.
        if (mediaType.Charset.HasValue && !IsUtf8(mediaType.Charset.Value!.Trim('"')))
        {
            throw new AppException(StatusCodes.Status415UnsupportedMediaType,
                $"Send the body as application/json in UTF-8: charset '{Shorten(mediaType.Charset.Value!.Trim('"'))}' is not supported.");
        }

        // Already buffered for bodies of a bounded size (BodySizeLimitMiddleware); read it once, then rewind for the binder.
        request.EnableBuffering();
        using var copy = new MemoryStream(request.ContentLength is { } length and <= 1024 * 1024 ? (int)length : 4096);
        await request.Body.CopyToAsync(copy, context.RequestAborted);
        request.Body.Position = 0;
        var problem = JsonText.FindProblem(copy.GetBuffer().AsSpan(0, (int)copy.Length));
        if (problem is not null)
        {
            throw AppException.BadRequest($"The request body cannot be read: {problem}.");
        }
    }

    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
