using System.Globalization;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Audit.Data;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Audit.Log;

internal sealed class QueryAuditLogValidator : AbstractValidator<QueryAuditLog>
{
    public const int MaxLimit = 500;

    public QueryAuditLogValidator()
    {
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).WithMessage("'offset' must be 0 or more.");
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).WithMessage($"'limit' must be between 1 and {MaxLimit}.");
        RuleFor(q => q.ActorId).MaximumLength(AuditLimits.ActorId);
        RuleFor(q => q.Action).MaximumLength(AuditLimits.Action + 1);
        RuleFor(q => q.To).GreaterThanOrEqualTo(q => q.From).When(q => q.From is not null && q.To is not null)
            .WithMessage("'to' must not be earlier than 'from'.");
    }
}

/// <summary>Newest first. <c>action</c> matches exactly, or as a prefix when it ends in <c>*</c> (<c>auth.*</c>).</summary>
internal sealed class QueryAuditLogHandler(AuditDbContext db) : IQueryHandler<QueryAuditLog, AuditPage>
{
    public async ValueTask<AuditPage> Handle(QueryAuditLog query, CancellationToken cancellationToken)
    {
        var entries = db.Entries.AsNoTracking();
        if (!string.IsNullOrEmpty(query.ActorId))
        {
            entries = entries.Where(e => e.ActorId == query.ActorId);
        }

        if (!string.IsNullOrEmpty(query.Action))
        {
            if (query.Action.EndsWith('*'))
            {
                var prefix = query.Action[..^1];
                // substr, not LIKE: LIKE ignores case and treats _ as a wildcard.
                entries = entries.Where(e => e.Action.Substring(0, prefix.Length) == prefix);
            }
            else
            {
                entries = entries.Where(e => e.Action == query.Action);
            }
        }

        if (query.From is { } from)
        {
            var fromMs = from.ToUnixTimeMilliseconds();
            entries = entries.Where(e => e.TimestampMs >= fromMs);
        }

        if (query.To is { } to)
        {
            var toMs = to.ToUnixTimeMilliseconds();
            entries = entries.Where(e => e.TimestampMs <= toMs);
        }

        var total = await entries.LongCountAsync(cancellationToken);
        var page = await entries.OrderByDescending(e => e.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(cancellationToken);
        return new AuditPage(page.ConvertAll(ToInfo), total);
    }

    internal static AuditEntryInfo ToInfo(AuditEntry e) =>
        new(e.Id, DateTimeOffset.FromUnixTimeMilliseconds(e.TimestampMs), e.ActorId, e.Action, e.TargetResource, e.Details, e.Hash, e.PrevHash);
}

internal sealed record AuditPageResponse(IReadOnlyList<AuditEntryResponse> Entries, long Total, int Offset, int Limit, int? NextOffset);

internal static class QueryLogEndpoint
{
    public const int DefaultLimit = 50;

    public static void MapQueryLog(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/log", async (
                ISender sender,
                CancellationToken ct,
                int? offset,
                int? limit,
                string? actor,
                [FromQuery(Name = "actor_id")] string? actorId,
                string? action,
                string? from,
                string? to) =>
            {
                if (actor is not null && actorId is not null && actor != actorId)
                {
                    throw AppException.Field("actor", "Give 'actor' or 'actor_id', not two different ones.");
                }

                var query = new QueryAuditLog(NullIfEmpty(actor ?? actorId), NullIfEmpty(action), ParseTime("from", from), ParseTime("to", to),
                    offset ?? 0, limit ?? DefaultLimit);
                var page = await sender.Send(query, ct);
                var next = query.Offset + page.Entries.Count;
                return TypedResults.Ok(new AuditPageResponse(
                    page.Entries.Select(AuditEntryResponse.From).ToList(), page.Total, query.Offset, query.Limit,
                    next < page.Total && page.Entries.Count > 0 ? next : null));
            })
            .WithName("QueryAuditLog")
            .WithSummary("Browse the audit log, newest first")
            .WithDescription("Filters: actor (or actor_id), action (exact, or a prefix ending in `*`), from and to (RFC 3339 with a zone, or Unix ms). " +
                "Paging with offset and limit (1–500, default 50); next_offset is null on the last page.")
            .RequireAuthorization(AuthPolicies.Admin);

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>RFC 3339 (an offset or Z is needed, so the instant is unambiguous) or Unix milliseconds.</summary>
    internal static DateTimeOffset? ParseTime(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (value.All(char.IsAsciiDigit) && value.Length <= 15 && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        var hasZone = value.EndsWith('Z') || value.EndsWith('z') || (value.Length > 6 && value[^6] is '+' or '-' && value[^3] == ':');
        if (hasZone && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        throw AppException.Field(field, $"'{field}' must be an RFC 3339 time with a zone (2026-01-31T09:00:00Z) or Unix milliseconds.");
    }
}
