using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.AuditLog;

/// <summary>An audit entry with the actor's name beside its id, so a person can read the log.</summary>
internal sealed record AuditEntryView(long Id, DateTimeOffset Timestamp, string ActorId, string? ActorName, string Action, string TargetResource, string Details, string Hash);

internal sealed record AuditPageView(IReadOnlyList<AuditEntryView> Entries, long Total, int Offset, int Limit);

/// <summary>Audit's own query, which validates the filters and paging, with names beside the actor ids.</summary>
internal sealed record BrowseAuditLog(string? ActorId, string? Action, DateTimeOffset? From, DateTimeOffset? To, int Offset, int Limit) : IQuery<AuditPageView>;

internal sealed record CheckAuditChain : IQuery<AuditVerification>;

internal sealed class AuditHandlers(ISender sender, AdminDbContext db) :
    IQueryHandler<BrowseAuditLog, AuditPageView>,
    IQueryHandler<CheckAuditChain, AuditVerification>
{
    public async ValueTask<AuditPageView> Handle(BrowseAuditLog query, CancellationToken cancellationToken)
    {
        var page = await sender.Send(new QueryAuditLog(query.ActorId, query.Action, query.From, query.To, query.Offset, query.Limit), cancellationToken);
        var actorIds = page.Entries.Select(e => e.ActorId).Distinct().ToList();
        var names = await db.Admins.AsNoTracking().Where(a => actorIds.Contains(a.Id))
            .ToDictionaryAsync(a => a.Id, a => "admin:" + a.Username, cancellationToken);
        var rest = actorIds.Where(id => !names.ContainsKey(id)).ToList();
        if (rest.Count > 0)
        {
            foreach (var user in await sender.Send(new GetUsers(rest), cancellationToken))
            {
                names[user.Id] = user.Username;
            }
        }

        var entries = page.Entries
            .Select(e => new AuditEntryView(e.Id, e.Timestamp, e.ActorId, names.GetValueOrDefault(e.ActorId), e.Action, e.TargetResource, e.Details, e.Hash))
            .ToList();
        return new AuditPageView(entries, page.Total, query.Offset, query.Limit);
    }

    public ValueTask<AuditVerification> Handle(CheckAuditChain query, CancellationToken cancellationToken) =>
        sender.Send(new VerifyAuditChain(), cancellationToken);
}

internal static class AuditEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/audit", async Task<Ok<AuditPageView>> ([FromQuery(Name = "actor_id")] string? actorId, string? action, DateTimeOffset? from, DateTimeOffset? to, int? offset, int? limit, ISender s, CancellationToken ct) =>
                TypedResults.Ok(await s.Send(new BrowseAuditLog(
                    string.IsNullOrWhiteSpace(actorId) ? null : actorId.Trim(),
                    string.IsNullOrWhiteSpace(action) ? null : action.Trim(),
                    from, to, offset ?? 0, limit ?? 50), ct)))
            .RequirePermission(AdminPermission.AuditRead)
            .WithName("BrowseAuditLog")
            .WithSummary("Pages through the audit log, newest first, filtered by actor, action and time; actors are named.")
            .ProducesValidationProblem();

        app.MapGet("/admin/audit/verify", async Task<Ok<AuditVerification>> (ISender s, CancellationToken ct) => TypedResults.Ok(await s.Send(new CheckAuditChain(), ct)))
            .RequirePermission(AdminPermission.AuditRead)
            .WithName("AdminVerifyAuditChain")
            .WithSummary("Checks the audit log's hash chain from the first entry to the last.");
    }
}
