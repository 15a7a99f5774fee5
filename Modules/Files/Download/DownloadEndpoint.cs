using System.Security.Claims;
using System.Security.Cryptography;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Files.Storage;

namespace ZiyadMessenger.Modules.Files.Download;

internal static class DownloadEndpoint
{
    public const string KeyHeader = "X-File-Key";
    public const string FormatHeader = "X-Ziyad-File-Format";
    public const string FormatName = "zmef-1";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/download", DownloadAsync)
            .WithName("DownloadFile")
            .WithSummary("Download a file: as stored, or decrypted with its key")
            .WithDescription("Without a key: the stored ciphertext (application/octet-stream, format `zmef-1`, named in X-Ziyad-File-Format). " +
                "With the key (`key=` or header X-File-Key): the plaintext with its name and type; a wrong key is 403. " +
                "An id that is not a UUID is 400, an unknown one 404.")
            .Produces(StatusCodes.Status200OK, typeof(Stream), "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireAuthorization(AuthPolicies.User);

    private static async Task<IResult> DownloadAsync(
        HttpContext http,
        ClaimsPrincipal user,
        ISender sender,
        string? id,
        string? key,
        [FromHeader(Name = KeyHeader)] string? headerKey,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw AppException.Field("id", "Give the file's id: /download?id=<file_id>.");
        }

        if (!Guid.TryParseExact(id.Trim(), "D", out var fileId))
        {
            throw AppException.Field("id", "The file id must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e.");
        }

        var keyText = string.IsNullOrEmpty(headerKey) ? key : headerKey;
        byte[]? fileKey = null;
        if (!string.IsNullOrEmpty(keyText))
        {
            fileKey = FileKeys.TryParse(keyText.Trim())
                ?? throw AppException.Field("key", "The key must be the 64 hexadecimal characters the upload returned.");
        }

        var file = await sender.Send(new OpenFile(fileId, fileKey), cancellationToken);
        return new FileDownloadResult(file, user.UserId());
    }
}

/// <summary>
/// Streams a file: as stored (the documented ciphertext) without a key, or decrypted segment by
/// segment with one. Plaintext leaves only after its segment authenticated; if a later segment fails,
/// the connection is aborted so the client sees a broken download rather than a complete wrong file.
/// </summary>
internal sealed class FileDownloadResult(FileToServe file, string userId) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        var logger = http.RequestServices.GetRequiredService<ILogger<FileDownloadResult>>();
        var cancellationToken = http.RequestAborted;
        try
        {
            await using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            long sent;
            if (file.Key is null)
            {
                sent = await SendCiphertextAsync(http, stream, cancellationToken);
            }
            else
            {
                var result = await SendPlaintextAsync(http, stream, logger, cancellationToken);
                if (result is null)
                {
                    return;
                }

                sent = result.Value;
            }

            await http.RequestServices.GetRequiredService<ISender>()
                .Send(new RecordDownload(file.Id, userId, file.Key is not null, sent), CancellationToken.None);
        }
        finally
        {
            if (file.Key is not null)
            {
                CryptographicOperations.ZeroMemory(file.Key);
            }
        }
    }

    private async Task<long> SendCiphertextAsync(HttpContext http, FileStream stream, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream";
        response.ContentLength = stream.Length;
        response.Headers[DownloadEndpoint.FormatHeader] = DownloadEndpoint.FormatName;
        SetCommonHeaders(response, file.Name + ".zmef");
        await stream.CopyToAsync(response.Body, 64 * 1024, cancellationToken);
        return stream.Length;
    }

    /// <returns>Bytes sent, or null when the download was cut off for failing integrity.</returns>
    private async Task<long?> SendPlaintextAsync(HttpContext http, FileStream stream, ILogger logger, CancellationToken cancellationToken)
    {
        using var decryptor = new SegmentDecryptor(stream, stream.Length, file.Key!);
        byte[] plaintext;
        int length;
        try
        {
            // The first segment is opened before the status line goes out, so a damaged file whose
            // damage shows at once gets a clear error answer instead of a cut connection.
            await decryptor.ReadHeaderAsync(cancellationToken);
            plaintext = new byte[decryptor.SegmentSize];
            length = await decryptor.ReadSegmentAsync(plaintext, cancellationToken);
        }
        catch (FileIntegrityException ex)
        {
            logger.LogError("File {FileId} failed its integrity check before sending: {Reason}", file.Id, ex.Message);
            throw new AppException(StatusCodes.Status500InternalServerError,
                "The stored file is damaged: it failed its integrity check, so it is not served.");
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = file.Mime;
        response.ContentLength = file.Size;
        SetCommonHeaders(response, file.Name);

        long sent = 0;
        try
        {
            while (length >= 0)
            {
                if (sent + length > file.Size)
                {
                    throw new FileIntegrityException("The stored file holds more plaintext than was uploaded.");
                }

                await response.Body.WriteAsync(plaintext.AsMemory(0, length), cancellationToken);
                sent += length;
                length = await decryptor.ReadSegmentAsync(plaintext, cancellationToken);
            }

            if (sent != file.Size)
            {
                throw new FileIntegrityException("The stored file holds less plaintext than was uploaded.");
            }
        }
        catch (FileIntegrityException ex)
        {
            logger.LogError("File {FileId} failed its integrity check after {Sent} bytes; aborting the download: {Reason}", file.Id, sent, ex.Message);
            http.Abort();
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return sent;
    }

    private static void SetCommonHeaders(HttpResponse response, string name)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(name);
        response.Headers.ContentDisposition = disposition.ToString();
        // The bytes are whatever a user uploaded: never let a browser run them as a page of this origin.
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        response.Headers.CacheControl = "private, no-store";
    }
}
