using System.Security.Claims;
using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Audit.Log;

/// <summary>Records one entry and completes once it is committed. The actor is already decided by the caller's token.</summary>
internal sealed record RecordAuditEntry(string ActorId, string Action, string TargetResource, string Details) : ICommand<AuditEntryInfo>;

internal sealed class RecordAuditEntryValidator : AbstractValidator<RecordAuditEntry>
{
    public RecordAuditEntryValidator()
    {
        RuleFor(c => c.ActorId).NotEmpty().MaximumLength(AuditLimits.ActorId);
        RuleFor(c => c.Action)
            .NotEmpty().WithMessage("'action' is required.")
            .Matches(AuditLimits.ActionPattern()).WithMessage("'action' must be 2 to 64 characters of letters, digits and _ . : -")
            .Must(a => !AuditActions.IsReserved(a))
            .WithMessage($"Actions starting with {string.Join(", ", AuditActions.ReservedPrefixes)} are recorded by the server itself.");
        RuleFor(c => c.TargetResource).MaximumLength(AuditLimits.TargetResource);
        RuleFor(c => c.Details).MaximumLength(AuditLimits.Details);
    }
}

internal sealed class RecordAuditEntryHandler(IAuditRecorder recorder, TimeProvider clock) : ICommandHandler<RecordAuditEntry, AuditEntryInfo>
{
    public async ValueTask<AuditEntryInfo> Handle(RecordAuditEntry command, CancellationToken cancellationToken) =>
        await recorder.RecordAsync(new AuditRecord(clock.GetUtcNow(), command.ActorId, command.Action, command.TargetResource, command.Details), cancellationToken);
}

/// <param name="Details">A string as sent; any other JSON value is kept as its JSON text.</param>
internal sealed record LogRequest(string? ActorId, string? Action, string? TargetResource, JsonElement? Details);

/// <summary>An entry as the API shows it.</summary>
internal sealed record AuditEntryResponse(
    long Id, DateTimeOffset Timestamp, string ActorId, string Action, string TargetResource, string Details, string PrevHash, string Hash)
{
    public static AuditEntryResponse From(AuditEntryInfo e) =>
        new(e.Id, e.Timestamp, e.ActorId, e.Action, e.TargetResource, e.Details, e.PreviousHash, e.Hash);
}

internal static class RecordEntryEndpoint
{
    /// <summary>Room for 4096 characters of details even when every one is JSON-escaped.</summary>
    private const long MaxBodyBytes = 64 * 1024;

    public static void MapRecordEntry(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/log", async (LogRequest request, ClaimsPrincipal caller, ISender sender, CancellationToken ct) =>
            {
                var command = new RecordAuditEntry(ActorFor(caller, request.ActorId), request.Action ?? "", request.TargetResource ?? "",
                    DetailsText(request.Details));
                var entry = await sender.Send(command, ct);
                return TypedResults.Created((string?)null, AuditEntryResponse.From(entry));
            })
            .WithName("RecordAuditEntry")
            .WithSummary("Append an entry to the audit log")
            .WithDescription("action `^[a-zA-Z0-9_.:-]{2,64}$` (prefixes the server records itself are refused), target_resource up to 128, " +
                "details up to 4096 characters (any JSON value is kept as its text). A user token logs as itself only (403 for another actor_id); " +
                "an admin token may name the actor.")
            .RequireAuthorization(AuthPolicies.AnyAccount)
            .WithMetadata(new BodySizeLimitMetadata(MaxBodyBytes));

    /// <summary>
    /// Users log as themselves only: the stored actor is the token's subject, and naming anyone else is
    /// refused. An admin may name the actor (recording on someone's behalf), or is the actor by default.
    /// </summary>
    internal static string ActorFor(ClaimsPrincipal caller, string? requested)
    {
        var subject = caller.UserId();
        if (string.IsNullOrEmpty(requested) || requested == subject)
        {
            return subject;
        }

        if (caller.IsAdminToken())
        {
            return requested;
        }

        throw AppException.Forbidden("You can only record entries as yourself: leave 'actor_id' out or set it to your own id.");
    }

    private static string DetailsText(JsonElement? details) => details switch
    {
        null => "",
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => "",
        { ValueKind: JsonValueKind.String } value => value.GetString()!,
        { } value => value.GetRawText(),
    };
}
