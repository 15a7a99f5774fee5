using System.Globalization;
using System.Text;

namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary>
/// Turns what a user typed into an FTS5 expression that cannot be anything but a list of terms. The
/// language is small on purpose: words (all must match), <c>"a phrase"</c>, and <c>prefix*</c> (also
/// <c>"a phr"*</c>). Every term reaches FTS5 as a quoted string (quotes doubled), so no user text is ever
/// read as FTS5 syntax; what FTS5 would have read as an operator (<c>AND</c>, <c>OR</c>, <c>NOT</c>,
/// <c>NEAR</c>, parentheses, <c>^</c>, <c>{}</c>) is refused with a message instead of silently searched
/// for, because a user who typed it expected it to mean something.
/// </summary>
internal static class SearchQueryParser
{
    public const int MaxLength = 256;
    public const int MaxTerms = 16;
    /// <summary>Shorter prefixes match a large part of the vocabulary, and their doclists would all be merged.</summary>
    public const int MinPrefixLength = 2;

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal) { "AND", "OR", "NOT", "NEAR" };

    /// <summary>The FTS5 expression, or an error message fit for a 400.</summary>
    public static bool TryParse(string? text, out string expression, out string error) => TryParse(text, out expression, out _, out error);

    /// <summary>The FTS5 expression and the terms it was made of (for a store that builds its own query), or an error message fit for a 400.</summary>
    public static bool TryParse(string? text, out string expression, out IReadOnlyList<SearchTerm> parsed, out string error)
    {
        expression = "";
        error = "";
        parsed = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "q is required.";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"q may be at most {MaxLength} characters.";
            return false;
        }

        if (!IsCleanText(text))
        {
            error = "q must be valid UTF-8 text without control characters.";
            return false;
        }

        var terms = new List<string>();
        var found = new List<SearchTerm>();
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            string raw;
            bool phrase;
            if (text[i] == '"')
            {
                var close = text.IndexOf('"', i + 1);
                if (close < 0)
                {
                    error = "q has a quote that is not closed.";
                    return false;
                }

                raw = text[(i + 1)..close];
                phrase = true;
                i = close + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] != '"')
                {
                    i++;
                }

                raw = text[start..i];
                phrase = false;
            }

            var prefix = false;
            if (i < text.Length && text[i] == '*' && phrase)
            {
                prefix = true;
                i++;
            }
            else if (!phrase && raw.EndsWith('*'))
            {
                prefix = true;
                raw = raw[..^1];
            }

            if (i < text.Length && !char.IsWhiteSpace(text[i]) && phrase)
            {
                error = "Put a space after a closing quote.";
                return false;
            }

            if (!phrase)
            {
                if (raw.Contains('*'))
                {
                    error = raw.Length == 0 || raw.All(c => c == '*')
                        ? "* alone searches for nothing: put it right after the start of a word, like meet*."
                        : "* may only end a word (prefix search), like meet*.";
                    return false;
                }

                if (raw.Length == 0)
                {
                    error = "* alone searches for nothing: put it right after the start of a word, like meet*.";
                    return false;
                }

                if (Operators.Contains(raw) || raw.StartsWith("NEAR(", StringComparison.Ordinal))
                {
                    error = $"Search operators like {raw} are not supported: every word must match. Put it in quotes to search for the word itself.";
                    return false;
                }

                if (raw.IndexOfAny(['(', ')', '^', '{', '}']) >= 0)
                {
                    error = "Search syntax like ( ) ^ { } is not supported: search for words, \"phrases\" or prefix*.";
                    return false;
                }
            }

            var words = WordCount(raw, out var lastWordLength);
            if (words == 0)
            {
                if (prefix)
                {
                    error = "* alone searches for nothing: put it right after the start of a word, like meet*.";
                    return false;
                }

                // Punctuation alone ("-", "...") is not indexed, so it cannot narrow the search: skip it.
                continue;
            }

            if (prefix && lastWordLength < MinPrefixLength)
            {
                error = $"A prefix search needs at least {MinPrefixLength} letters before the *.";
                return false;
            }

            terms.Add("\"" + raw.Replace("\"", "\"\"") + "\"" + (prefix ? " *" : ""));
            found.Add(new SearchTerm(raw, phrase, prefix));
        }

        if (terms.Count == 0)
        {
            error = "q has no words to search for.";
            return false;
        }

        if (terms.Count > MaxTerms)
        {
            error = $"q may have at most {MaxTerms} words or phrases.";
            return false;
        }

        expression = string.Join(' ', terms);
        parsed = found;
        return true;
    }

    /// <summary>Runs of letters and digits, as the unicode61 tokenizer splits them (near enough to judge a query).</summary>
    private static int WordCount(string raw, out int lastWordLength)
    {
        var count = 0;
        lastWordLength = 0;
        var inWord = false;
        foreach (var rune in raw.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var wordy = Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.PrivateUse;
            if (wordy)
            {
                if (!inWord)
                {
                    count++;
                    lastWordLength = 0;
                }

                if (category is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark))
                {
                    lastWordLength++;
                }
            }

            inWord = wordy;
        }

        return count;
    }

    /// <summary>No lone surrogates, no U+FFFD (what an undecodable byte of the query string became), no control characters.</summary>
    private static bool IsCleanText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
                continue;
            }

            if (char.IsLowSurrogate(c) || c == '\uFFFD' || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>One term of a parsed query: its text as typed (for a phrase, what was between the quotes), all of which must match.</summary>
/// <param name="Prefix">The term's last word may be the start of a longer word.</param>
internal sealed record SearchTerm(string Text, bool Phrase, bool Prefix);
