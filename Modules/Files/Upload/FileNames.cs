using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace ZiyadMessenger.Modules.Files.Upload;

/// <summary>
/// Names and types as clients send them are untrusted text: they are cleaned before they are stored and
/// before they go back out in a Content-Disposition header. Storage paths never use them.
/// </summary>
internal static class FileNames
{
    public const int MaxLength = 200;
    public const string Fallback = "file";
    public const string DefaultMime = "application/octet-stream";

    private static readonly FileExtensionContentTypeProvider Types = new();

    /// <summary>
    /// Keeps the last path segment (browsers and most clients send only that anyway), drops control and
    /// bidirectional-override characters, trims spaces and dots, and shortens to <see cref="MaxLength"/>
    /// characters keeping the extension.
    /// </summary>
    public static string Sanitize(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return Fallback;
        }

        var lastSeparator = raw.LastIndexOfAny(['/', '\\']);
        var name = lastSeparator >= 0 ? raw[(lastSeparator + 1)..] : raw;

        var clean = new StringBuilder(Math.Min(name.Length, MaxLength * 2));
        foreach (var rune in name.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned)
            {
                continue;
            }

            // ':' would name an alternate data stream on Windows clients that save the name as given.
            clean.Append(rune.Value is ':' or '"' or '<' or '>' or '|' or '?' or '*' ? "_" : rune.ToString());
        }

        name = clean.ToString().Trim().Trim('.').Trim();
        if (name.Length == 0)
        {
            return Fallback;
        }

        return Shorten(name);
    }

    /// <summary>A declared type when it is a well-formed media type, otherwise one guessed from the name.</summary>
    public static string Mime(string? declared, string name)
    {
        if (MediaTypeHeaderValue.TryParse(declared, out var parsed) && parsed.Type.HasValue && parsed.SubType.HasValue &&
            parsed.Type.Value != "*" && parsed.SubType.Value != "*" && parsed.MediaType.Length <= 127)
        {
            var mediaType = parsed.MediaType.Value!.ToLowerInvariant();
            if (mediaType != DefaultMime)
            {
                return mediaType;
            }
        }

        return Types.TryGetContentType(name, out var guessed) ? guessed : DefaultMime;
    }

    private static string Shorten(string name)
    {
        if (name.Length <= MaxLength)
        {
            return name;
        }

        var extension = Path.GetExtension(name);
        if (extension.Length is 0 or > 16)
        {
            extension = "";
        }

        var stemLength = MaxLength - extension.Length;
        var stem = name[..stemLength];
        if (char.IsHighSurrogate(stem[^1]))
        {
            stem = stem[..^1];
        }

        return stem.TrimEnd() + extension;
    }
}
