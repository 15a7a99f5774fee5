using System.Text.Json;
using System.Text.Unicode;

namespace ZiyadMessenger.Modules.Contracts.Http;

/// <summary>
/// The one check every JSON text from a client passes (HTTP bodies in the Host, WebSocket frames in
/// Messaging) before anything reads a value from it. The framework's tokenizer accepts a string holding
/// invalid UTF-8 or an escaped lone surrogate and only fails when the value is read — as an
/// <see cref="InvalidOperationException"/>, deep inside whichever handler reads it. Checked here once,
/// such a text is a 400 at the door and every later <c>GetString()</c> is safe.
/// </summary>
public static class JsonText
{
    /// <summary>The deepest nesting accepted, the same as the serializer's default.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Why <paramref name="utf8"/> is not a JSON text a handler may read (a phrase: "it is not valid JSON"),
    /// or null when it is one.
    /// </summary>
    public static string? FindProblem(ReadOnlySpan<byte> utf8) =>
        // RFC 8259 lets a reader ignore a byte order mark, and the serializer does; so does this check.
        FindProblem(new Utf8JsonReader(utf8.StartsWith(Utf8Bom) ? utf8[Utf8Bom.Length..] : utf8, ReaderOptions));

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    private static string? FindProblem(Utf8JsonReader reader)
    {
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsText(ref reader))
                {
                    return "a string in it is not valid Unicode text (invalid UTF-8 or a lone surrogate)";
                }
            }

            return reader.BytesConsumed == 0 ? "it is empty" : null;
        }
        catch (JsonException e) when (e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"it is nested deeper than {MaxDepth} levels";
        }
        catch (JsonException)
        {
            return "it is not valid JSON";
        }
    }

    private static bool IsText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            // Unescaping is where "\ud800" is caught; it also transcodes, so raw bytes are checked too.
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
