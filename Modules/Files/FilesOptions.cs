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

    /// <summary>
    /// Where the encrypted files are kept; empty means the <c>files</c> folder of the data directory. With
    /// several nodes, storage every node mounts at the same path (any node serves any file).
    /// </summary>
    public string? Directory { get; set; }

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
        RuleFor(o => o.Directory).Custom((directory, context) =>
        {
            if (!string.IsNullOrWhiteSpace(directory) && FilesDirectoryProblem(directory.Trim()) is { } problem)
            {
                context.AddFailure(nameof(FilesOptions.Directory), problem);
            }
        });
    }

    /// <summary>The folder must exist or be creatable, and take a file from this user; null when it does.</summary>
    private static string? FilesDirectoryProblem(string directory)
    {
        string full;
        try
        {
            full = Path.GetFullPath(directory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"'{directory}' is not a folder path.";
        }

        try
        {
            System.IO.Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return $"'{full}' is not writable by the user '{Environment.UserName}'.";
        }
        catch (IOException e)
        {
            return $"'{full}' cannot be created or written ({e.Message.TrimEnd('.')}).";
        }
    }
}
