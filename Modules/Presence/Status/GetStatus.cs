using System.Globalization;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Presence.Tracking;

namespace ZiyadMessenger.Modules.Presence.Status;

/// <summary><c>last_seen</c> is RFC 3339 in UTC with milliseconds, or null when the user was never seen.</summary>
internal sealed record StatusResponse(string UserId, int Status, string? LastSeen)
{
    public static StatusResponse From(PresenceInfo info) =>
        new(info.UserId, (int)info.Status, info.LastSeen?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}

internal sealed record StatusListResponse(IReadOnlyList<StatusResponse> Statuses, IReadOnlyList<string> Unknown);

/// <summary>Presence of existing users; ids Auth does not know come back in <see cref="StatusLookup.Unknown"/>.</summary>
internal sealed record LookUpStatuses(IReadOnlyList<string> UserIds) : IQuery<StatusLookup>;

internal sealed record StatusLookup(IReadOnlyList<PresenceInfo> Found, IReadOnlyList<string> Unknown);

internal sealed class LookUpStatusesValidator : AbstractValidator<LookUpStatuses>
{
    public const int MaxIds = 200;

    public LookUpStatusesValidator()
    {
        RuleFor(q => q.UserIds).NotEmpty().WithMessage("Give user_id=<id> or user_ids=<id>,<id>,…")
            .Must(ids => ids.Count <= MaxIds).WithMessage($"At most {MaxIds} user ids per request.");
        RuleForEach(q => q.UserIds).NotEmpty().WithMessage("A user id is empty.")
            .MaximumLength(64).WithMessage("A user id is at most 64 characters.");
    }
}

internal sealed class LookUpStatusesHandler(ISender sender, PresenceTracker tracker, TimeProvider clock)
    : IQueryHandler<LookUpStatuses, StatusLookup>, IQueryHandler<GetPresence, IReadOnlyList<PresenceInfo>>
{
    public async ValueTask<StatusLookup> Handle(LookUpStatuses query, CancellationToken cancellationToken)
    {
        var ids = query.UserIds.Distinct(StringComparer.Ordinal).ToList();
        var known = (await sender.Send(new GetUsers(ids), cancellationToken)).Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        return new StatusLookup(
            ids.Where(known.Contains).Select(id => tracker.Get(id, now)).ToList(),
            ids.Where(id => !known.Contains(id)).ToList());
    }

    /// <summary>For other modules: every id asked for, in order; anyone never seen is offline with no last-seen.</summary>
    public ValueTask<IReadOnlyList<PresenceInfo>> Handle(GetPresence query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<PresenceInfo> result = query.UserIds.Distinct(StringComparer.Ordinal).Select(id => tracker.Get(id, now)).ToList();
        return ValueTask.FromResult(result);
    }
}

internal static class StatusEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/status", async Task<IResult> (string? user_id, string? user_ids, ISender sender, CancellationToken cancellationToken) =>
        {
            var single = !string.IsNullOrEmpty(user_id);
            var many = !string.IsNullOrEmpty(user_ids);
            if (single == many)
            {
                throw AppException.BadRequest(single
                    ? "Give user_id or user_ids, not both."
                    : "Give user_id=<id> for one user or user_ids=<id>,<id>,… for several.");
            }

            if (single)
            {
                var lookup = await sender.Send(new LookUpStatuses([user_id!.Trim()]), cancellationToken);
                return lookup.Found.Count == 0
                    ? throw AppException.NotFound("No user has this id.")
                    : TypedResults.Ok(StatusResponse.From(lookup.Found[0]));
            }

            var ids = user_ids!.Split(',', StringSplitOptions.TrimEntries);
            var result = await sender.Send(new LookUpStatuses(ids), cancellationToken);
            return TypedResults.Ok(new StatusListResponse(result.Found.Select(StatusResponse.From).ToList(), result.Unknown));
        })
        .WithName("GetPresenceStatus")
        .WithSummary("The presence of one user, or of several")
        .WithDescription("`user_id=<id>` answers one status (404 for an unknown user); `user_ids=<id>,<id>,…` (at most 200) answers " +
            "`{statuses: [...], unknown: [ids]}`. last_seen is RFC 3339 UTC, or null if the user was never seen.")
        .Produces<StatusResponse>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .RequireAuthorization(AuthPolicies.AnyAccount);
}
