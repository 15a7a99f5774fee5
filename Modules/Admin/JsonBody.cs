using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>
/// Reads a partial-update body, where a member that is absent means "leave it" and an explicit null
/// means "clear it": typed records cannot tell the two apart.
/// </summary>
internal readonly struct JsonBody(JsonElement root)
{
    public static JsonBody Of(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? new JsonBody(element) : throw AppException.BadRequest("The request body must be a JSON object.");

    public bool Has(string name) => root.TryGetProperty(name, out _);

    /// <summary>The member as a string; null when absent or null. Any other JSON type is a 400 naming the field.</summary>
    public string? String(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw AppException.Field(name, $"'{name}' must be a string.");
    }

    public bool? Bool(string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
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
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw AppException.Field(name, $"'{name}' must be a list of strings.");
        }

        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }
}
