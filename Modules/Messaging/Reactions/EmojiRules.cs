using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ZiyadMessenger.Modules.Messaging.Reactions;

/// <summary>
/// What may be a reaction: exactly one grapheme cluster that is an emoji (a pictograph with its
/// variation selector, skin tone, ZWJ sequence or tag sequence; a flag of two regional indicators; a
/// keycap), or a short name like <c>:party_parrot:</c> for custom emoji. Letters, digits, two emoji,
/// a lone regional indicator and broken UTF-16 are not.
/// </summary>
internal static partial class EmojiRules
{
    /// <summary>UTF-16 units. The longest real sequences (families, subdivision flags) are about 25; nothing past this is parsed.</summary>
    public const int MaxLength = 64;

    public const string Description =
        "emoji must be one emoji (a single grapheme cluster, e.g. 👍, 👍🏽, 🇮🇩, 👩‍💻) or a :short_name: of 1-32 characters a-z, 0-9, _, + or -.";

    [GeneratedRegex("^:[a-z0-9_+-]{1,32}:$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortName();

    public static bool IsValid(string? emoji)
    {
        if (string.IsNullOrEmpty(emoji) || emoji.Length > MaxLength)
        {
            return false;
        }

        if (emoji[0] == ':')
        {
            return ShortName().IsMatch(emoji);
        }

        // Lone surrogates and other broken UTF-16 never make an emoji.
        if (!IsWellFormed(emoji))
        {
            return false;
        }

        return StringInfo.GetNextTextElementLength(emoji) == emoji.Length && IsEmojiCluster(emoji);
    }

    private static bool IsWellFormed(string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    private static bool IsEmojiCluster(string cluster)
    {
        var runes = new List<int>(8);
        foreach (var rune in cluster.EnumerateRunes())
        {
            runes.Add(rune.Value);
        }

        var first = runes[0];
        if (IsRegionalIndicator(first))
        {
            // A flag is exactly two regional indicators.
            return runes.Count == 2 && IsRegionalIndicator(runes[1]);
        }

        if (first is (>= '0' and <= '9') or '#' or '*')
        {
            // A keycap: the key, an optional variation selector, the enclosing keycap.
            return runes is [_, 0x20E3] or [_, 0xFE0F, 0x20E3];
        }

        if (!IsPictographic(first))
        {
            return false;
        }

        for (var i = 1; i < runes.Count; i++)
        {
            var r = runes[i];
            var allowed = r is 0xFE0F or 0x200D or 0x20E3
                || r is >= 0x1F3FB and <= 0x1F3FF // skin tones
                || r is >= 0xE0020 and <= 0xE007F // tags (subdivision flags)
                || (runes[i - 1] == 0x200D && IsPictographic(r));
            if (!allowed)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsRegionalIndicator(int rune) => rune is >= 0x1F1E6 and <= 0x1F1FF;

    /// <summary>Extended_Pictographic, as far as emoji keyboards offer it (Unicode's ranges, coarsely).</summary>
    private static bool IsPictographic(int r) =>
        r is 0x00A9 or 0x00AE or 0x203C or 0x2049 or 0x2122 or 0x2139 or 0x24C2 or 0x3030 or 0x303D or 0x3297 or 0x3299
        || r is >= 0x2194 and <= 0x21AA
        || r is >= 0x2300 and <= 0x23FF
        || r is >= 0x25AA and <= 0x25FE
        || r is >= 0x2600 and <= 0x27BF
        || r is >= 0x2934 and <= 0x2935
        || r is >= 0x2B05 and <= 0x2B55
        || r is >= 0x1F000 and <= 0x1F0FF
        || r is >= 0x1F10D and <= 0x1F1AD
        || r is >= 0x1F201 and <= 0x1F251
        || r is >= 0x1F300 and <= 0x1FAFF
        || r is >= 0x1FC00 and <= 0x1FFFD;
}
