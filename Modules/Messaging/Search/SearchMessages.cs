using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.Search;

/// <summary><c>GET /search</c>: messages of the channels the caller can read now, newest first.</summary>
internal sealed record SearchMessages(
    string UserId, string? Q, string? ChannelId, string? From, long? After, long? Before, int? Limit, string? Cursor) : IQuery<SearchResponse>;

/// <param name="Results">Each is the message object with a <c>highlight</c> (<see cref="Highlight"/>) beside its fields.</param>
internal sealed record SearchResponse(IReadOnlyList<JsonObject> Results, string? NextCursor);

/// <summary>
/// A snippet of the message's text around the matches, with each matched word as a [start, end) range of
/// UTF-16 code units in <see cref="Text"/> (a JavaScript string's indices). Ranges, not markup, so a
/// client never has to render message text as HTML.
/// </summary>
internal sealed record Highlight(string Text, IReadOnlyList<int[]> Ranges);

internal sealed class SearchMessagesValidator : AbstractValidator<SearchMessages>
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public SearchMessagesValidator()
    {
        RuleFor(s => s.Q).Custom((q, context) =>
        {
            if (!SearchQueryParser.TryParse(q, out _, out var error))
            {
                context.AddFailure("q", error);
            }
        });
        RuleFor(s => s.Limit).InclusiveBetween(1, MaxLimit).When(s => s.Limit is not null).WithMessage($"limit must be from 1 to {MaxLimit}.");
        RuleFor(s => s.After).GreaterThanOrEqualTo(0).When(s => s.After is not null).WithMessage("after must be a time in unix milliseconds.");
        RuleFor(s => s.Before).GreaterThanOrEqualTo(0).When(s => s.Before is not null).WithMessage("before must be a time in unix milliseconds.");
        RuleFor(s => s.ChannelId).MaximumLength(160).WithMessage("channel_id is too long.")
            .Must(c => c is null || c.Trim().Length > 0).WithMessage("channel_id is empty.");
        RuleFor(s => s.From).MaximumLength(128).WithMessage("from is too long.")
            .Must(f => f is null || f.Trim().Length > 0).WithMessage("from is empty.");
        RuleFor(s => s.Cursor).Must(c => c is null || SearchCursor.TryDecode(c, out _)).WithMessage("cursor is not one this server gave out.");
    }
}

internal sealed class SearchMessagesHandler(ChannelDirectory directory, ChannelAccess access, ISearchIndex index, Views.MessageViews views)
    : IQueryHandler<SearchMessages, SearchResponse>
{
    public async ValueTask<SearchResponse> Handle(SearchMessages query, CancellationToken cancellationToken)
    {
        if (!SearchQueryParser.TryParse(query.Q, out var expression, out var terms, out var error))
        {
            throw AppException.Field("q", error);
        }

        IReadOnlyCollection<string> channels;
        if (query.ChannelId is { } wanted)
        {
            // The same 403/404 as history; a DM never used has nothing to find.
            var (_, channel) = await access.ForReadAsync(query.UserId, wanted.Trim(), cancellationToken);
            channels = channel is null ? [] : [channel.Id];
        }
        else
        {
            // Membership as it is now: a removed member stops finding the channel's messages at once.
            channels = directory.All.Where(c => c.CanAccess(query.UserId)).Select(c => c.Id).ToList();
        }

        if (channels.Count == 0)
        {
            return new SearchResponse([], null);
        }

        var limit = query.Limit ?? SearchMessagesValidator.DefaultLimit;
        long? below = query.Cursor is { } cursor && SearchCursor.TryDecode(cursor, out var row) ? row : null;
        IReadOnlyList<SearchHit> hits;
        try
        {
            hits = index.Search(new SearchCriteria(expression, channels, query.From?.Trim(), query.After, query.Before, below, limit + 1), terms, cancellationToken);
        }
        catch (Exception ex) when (index.IsQueryError(ex))
        {
            // The parser only ever lets quoted terms through, so this is a safety net, not a path.
            throw AppException.Field("q", "q could not be searched for.");
        }

        var page = hits.Take(limit).ToList();
        // The message object as everywhere else (reactions included), plus the highlight.
        var messages = await views.ToViewsAsync(page.Select(h => h.Message).ToList(), cancellationToken);
        var results = new List<JsonObject>(page.Count);
        for (var i = 0; i < page.Count; i++)
        {
            var hit = page[i];
            var result = JsonSerializer.SerializeToNode(messages[i], WireJson.Options)!.AsObject();
            result["highlight"] = JsonSerializer.SerializeToNode(ToHighlight(hit.Snippet), WireJson.Options);
            results.Add(result);
        }

        return new SearchResponse(results, hits.Count > limit ? SearchCursor.Encode(hits[limit - 1].Row) : null);
    }

    /// <summary>Takes the snippet's private-use marks out, keeping where they were.</summary>
    internal static Highlight ToHighlight(string snippet)
    {
        var text = new StringBuilder(snippet.Length);
        var ranges = new List<int[]>();
        var start = -1;
        foreach (var c in snippet)
        {
            if (c == SqliteSearchIndex.MarkStart)
            {
                start = text.Length;
            }
            else if (c == SqliteSearchIndex.MarkEnd)
            {
                if (start >= 0 && text.Length > start)
                {
                    ranges.Add([start, text.Length]);
                }

                start = -1;
            }
            else
            {
                text.Append(c);
            }
        }

        return new Highlight(text.ToString(), ranges);
    }
}

/// <summary>The cursor is where the last page stopped in the index; opaque to clients.</summary>
internal static class SearchCursor
{
    public static string Encode(long row) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("s1:" + row)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string cursor, out long row)
    {
        row = 0;
        if (cursor.Length is 0 or > 64)
        {
            return false;
        }

        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        Span<byte> bytes = stackalloc byte[64];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        var text = Encoding.ASCII.GetString(bytes[..written]);
        return text.StartsWith("s1:", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out row)
            && row > 0;
    }
}

internal static class SearchEndpoint
{
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder api) =>
        api.MapGet("/search", async Task<Ok<SearchResponse>> (
                string? q, [FromQuery(Name = "channel_id")] string? channelId, string? from, long? after, long? before, int? limit, string? cursor,
                HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SearchMessages(user.UserId(), RawQueryText(request, "q") ?? q, channelId, from, after, before, limit, cursor), ct)))
            .Describe("SearchMessages", "Full-text search of the messages the caller can read, newest first")
            .WithDescription("q: words (all must match; case and accents ignored), \"a phrase\", prefix*. Paged by next_cursor.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>
    /// The parameter decoded strictly. ASP.NET leaves a percent-escape that is not UTF-8 (<c>%FF</c>) as
    /// the three characters it was, which would then be searched for; here every byte that is not UTF-8
    /// becomes U+FFFD, which the query parser refuses.
    /// </summary>
    private static string? RawQueryText(HttpRequest request, string name)
    {
        var raw = request.QueryString.Value;
        if (string.IsNullOrEmpty(raw))
        {
            return null;
        }

        foreach (var pair in raw.TrimStart('?').Split('&'))
        {
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            if (key != name)
            {
                continue;
            }

            var value = eq < 0 ? "" : pair[(eq + 1)..];
            var bytes = new List<byte>(value.Length);
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '%' && i + 2 < value.Length && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
                {
                    bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                    i += 2;
                }
                else if (c == '+')
                {
                    bytes.Add((byte)' ');
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }

            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        return null;
    }
}
