using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Files.Upload;

internal sealed record UploadResponse(string FileId, string Key, string Name, long Size, string Mime);

internal static class UploadEndpoint
{
    public const string FieldName = "file";

    /// <summary>Parts allowed before the file part; a body of thousands of tiny parts is not an upload.</summary>
    private const int MaxSectionsBeforeFile = 16;

    public static void Map(IEndpointRouteBuilder endpoints, FilesOptions options) =>
        endpoints.MapPost("/upload", UploadAsync)
            .WithName("UploadFile")
            .WithSummary("Upload a file, encrypted at rest under a fresh key")
            .WithDescription("multipart/form-data with the file in the part named `file`. The answer's `key` (64 hex characters) is the only " +
                "copy of the file's key: the server does not keep it. 413 above ZiyadMessenger:Files:MaxUploadBytes.")
            .WithMetadata(new MultipartFileBodyMetadata(FieldName, "The file to store."))
            .RequireAuthorization(AuthPolicies.User)
            .WithMetadata(new BodySizeLimitMetadata(options.MaxUploadBytes + FilesOptions.MultipartOverheadBytes))
            .DisableAntiforgery();

    /// <summary>
    /// Reads the multipart body as a stream (never buffered to memory or to a form collection), skips
    /// parts until the one named <c>file</c>, and hands its body to the store as it arrives.
    /// </summary>
    private static async Task<Created<UploadResponse>> UploadAsync(HttpContext http, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken)
    {
        var boundary = Boundary(http.Request.ContentType);
        var reader = new MultipartReader(boundary, new ClientBodyStream(http.Request.Body))
        {
            HeadersCountLimit = 16,
            HeadersLengthLimit = 16 * 1024,
        };

        for (var sections = 0; sections <= MaxSectionsBeforeFile; sections++)
        {
            var section = await ReadSectionAsync(reader, cancellationToken);
            if (section is null)
            {
                break;
            }

            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase) ||
                !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, FieldName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
            var stored = await sender.Send(new StoreFile(user.UserId(), fileName, section.ContentType, new ClientBodyStream(section.Body)), cancellationToken);
            return TypedResults.Created(
                $"/download?id={stored.FileId}",
                new UploadResponse(stored.FileId, stored.Key, stored.Name, stored.Size, stored.Mime));
        }

        throw AppException.Field(FieldName, "The upload has no part named 'file': send the file as multipart/form-data field 'file'.");
    }

    private static string Boundary(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType) || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new AppException(StatusCodes.Status415UnsupportedMediaType,
                "Send the file as multipart/form-data with a field named 'file'.");
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 70)
        {
            throw AppException.BadRequest("The multipart/form-data content type needs a boundary of 1 to 70 characters.");
        }

        return boundary;
    }

    private static async Task<MultipartSection?> ReadSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            // Part headers over the limits, or malformed.
            throw AppException.BadRequest($"The multipart body is malformed: {ex.Message}");
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw AppException.BadRequest("The multipart body ended before its first part was complete.");
        }
    }
}

/// <summary>
/// The request body as the store reads it: a body that ends early or breaks the multipart framing is
/// the client's fault (400), and one over the endpoint's limit is a 413, both as AppExceptions so they
/// reach the client as problems rather than being logged as server faults.
/// </summary>
internal sealed class ClientBodyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new AppException(StatusCodes.Status413PayloadTooLarge, "The upload is larger than this server accepts.");
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The client went away during the upload.", cancellationToken);
        }
        catch (IOException)
        {
            throw AppException.BadRequest("The upload ended before it was complete, or its multipart framing is broken.");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Uploads are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
