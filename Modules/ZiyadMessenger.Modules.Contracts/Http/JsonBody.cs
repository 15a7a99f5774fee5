using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Contracts.Http;

/// <summary>
/// The one partial-update reader: a member that is absent means "leave it" and an explicit null means
/// "clear it", which typed records cannot tell apart. The body it reads has passed <see cref="JsonText"/>
/// (the Host checks every JSON body before binding), so its strings are valid text.
/// </summary>
public readonly struct JsonBody
{
    private readonly JsonElement _root;

    private JsonBody(JsonElement root) => _root = root;

    public static JsonBody Of(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? new JsonBody(element) : throw AppException.BadRequest("The request body must be a JSON object.");

    public bool Has(string name) => _root.TryGetProperty(name, out _);

    /// <summary>The member as a string; null when absent or null. Any other JSON type is a 400 naming the field.</summary>
    public string? String(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? Text(name, value) : throw AppException.Field(name, $"'{name}' must be a string.");
    }

    public bool? Bool(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw AppException.Field(name, $"'{name}' must be true or false."),
        };
    }

    public IReadOnlyList<string>? Strings(string name)
    {
        if (!_root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw AppException.Field(name, $"'{name}' must be a list of strings.");
        }

        return value.EnumerateArray().Select(v => Text(name, v)).ToList();
    }

    /// <summary>
    /// The string's text. A body that skipped <see cref="JsonText"/> (built in process) may still hold
    /// invalid text; that is the caller's field error, never a fault.
    /// </summary>
    private static string Text(string name, JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw AppException.Field(name, $"'{name}' is not valid Unicode text.");
        }
    }
}
