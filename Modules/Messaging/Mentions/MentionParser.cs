using System.Text;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>What a text names with <c>@</c>: usernames (lower-cased), and whether it says @channel or @here.</summary>
internal sealed record ParsedMentions(IReadOnlyCollection<string> Usernames, bool Channel, bool Here)
{
    public bool IsEmpty => Usernames.Count == 0 && !Channel && !Here;
}

/// <summary>
/// Finds <c>@username</c>, <c>@channel</c> and <c>@here</c> in the UTF-8 text of a type 1 or 2 message.
/// An <c>@</c> counts at the start of the text or after a character that cannot be part of a username
/// (so <c>bob@example.com</c> mentions nobody); the name is the run of username characters after it
/// (<c>[A-Za-z0-9_.-]</c>). A sentence may end right after a name (<c>thanks @alice.</c>), so the run
/// without its trailing dots and dashes is tried as well. <c>channel</c> and <c>here</c> are reserved words.
/// </summary>
internal static class MentionParser
{
    public const int MaxNames = 20;
    private const int MinName = 3;
    private const int MaxName = 32;

    public static bool IsText(int type) => type is 1 or 2;

    /// <summary>Cheap enough for every send: most messages have no <c>@</c> at all and cost one vectorised scan.</summary>
    public static bool MayMention(int type, ReadOnlySpan<byte> content) => IsText(type) && content.IndexOf((byte)'@') >= 0;

    public static ParsedMentions Parse(int type, ReadOnlySpan<byte> content)
    {
        if (!MayMention(type, content))
        {
            return new ParsedMentions([], false, false);
        }

        var text = Encoding.UTF8.GetString(content);
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool channel = false, here = false;
        for (var at = text.IndexOf('@'); at >= 0; at = text.IndexOf('@', at + 1))
        {
            if (at > 0 && IsNameChar(text[at - 1]) || at > 0 && text[at - 1] == '@')
            {
                continue;
            }

            var end = at + 1;
            while (end < text.Length && IsNameChar(text[end]))
            {
                end++;
            }

            var run = text[(at + 1)..end];
            var trimmed = run.TrimEnd('.', '-');
            foreach (var candidate in trimmed == run ? new[] { run } : new[] { run, trimmed })
            {
                var name = candidate.ToLowerInvariant();
                if (name == "channel")
                {
                    channel = true;
                }
                else if (name == "here")
                {
                    here = true;
                }
                else if (name.Length is >= MinName and <= MaxName && names.Count < MaxNames)
                {
                    names.Add(name);
                }
            }

            at = end - 1;
        }

        return new ParsedMentions(names, channel, here);
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
}
