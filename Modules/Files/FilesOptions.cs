using FluentValidation;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Files;

/// <summary>The <c>ZiyadMessenger:Files</c> settings.</summary>
internal sealed class FilesOptions
{
    public const string Section = "ZiyadMessenger:Files";
    public const long DefaultMaxUploadBytes = 1L << 30;
    /// <summary>1 TiB: far above any office file, far below where the body limit's arithmetic overflows.</summary>
    public const long MostMaxUploadBytes = 1L << 40;

    /// <summary>
    /// Room for the multipart framing around the file (boundaries, part headers, small extra fields):
    /// the request body may exceed the file limit by this much before the server cuts it off.
    /// </summary>
    public const long MultipartOverheadBytes = 256 * 1024;

    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;

    /// <summary>Below this many free bytes where files are stored, <c>/health</c> on the Files port answers 503.</summary>
    public long MinFreeDiskBytes { get; set; } = 256L * 1024 * 1024;

    public AppException TooLarge() =>
        new(413, $"The file is larger than this server accepts ({MaxUploadBytes} bytes at most).");
}

internal sealed class FilesOptionsValidator : AbstractValidator<FilesOptions>
{
    public FilesOptionsValidator()
    {
        RuleFor(o => o.MaxUploadBytes).InclusiveBetween(1, FilesOptions.MostMaxUploadBytes)
            .WithMessage($"'{{PropertyValue}}' is not between 1 and {FilesOptions.MostMaxUploadBytes} bytes (1 TiB).");
        RuleFor(o => o.MinFreeDiskBytes).GreaterThanOrEqualTo(0)
            .WithMessage("must be 0 or more (it is {PropertyValue}).");
    }
}
