using Microsoft.Extensions.Configuration;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Files;

internal sealed record FilesOptions(long MaxUploadBytes)
{
    public const long DefaultMaxUploadBytes = 1L << 30;

    /// <summary>
    /// Room for the multipart framing around the file (boundaries, part headers, small extra fields):
    /// the request body may exceed the file limit by this much before the server cuts it off.
    /// </summary>
    public const long MultipartOverheadBytes = 256 * 1024;

    public static FilesOptions From(IConfiguration configuration)
    {
        var max = configuration.GetValue("ZiyadMessenger:Files:MaxUploadBytes", DefaultMaxUploadBytes);
        if (max < 0)
        {
            throw new InvalidOperationException("ZiyadMessenger:Files:MaxUploadBytes must not be negative.");
        }

        return new FilesOptions(max);
    }

    public AppException TooLarge() =>
        new(413, $"The file is larger than this server accepts ({MaxUploadBytes} bytes at most).");
}
