using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Presence;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Presence.Status;
using ZiyadMessenger.Modules.Presence.Tracking;

namespace ZiyadMessenger.Modules.Presence.Heartbeat;

internal sealed record HeartbeatRequest(string? UserId, int? Status);

/// <summary>The caller says they are here, with the status they choose; only for themselves.</summary>
internal sealed record RecordHeartbeat(string CallerId, string? UserId, int? Status) : ICommand<PresenceInfo>;

internal sealed class RecordHeartbeatValidator : AbstractValidator<RecordHeartbeat>
{
    public RecordHeartbeatValidator()
    {
        RuleFor(c => c.UserId).NotEmpty().WithMessage("user_id is required.")
            .MaximumLength(64).WithMessage("user_id is at most 64 characters.");
        RuleFor(c => c.Status).NotNull().WithMessage("status is required: 0 offline, 1 online, 2 busy, 3 away.")
            .InclusiveBetween(0, 3).WithMessage("status must be 0 offline, 1 online, 2 busy or 3 away.");
    }
}

internal sealed class RecordHeartbeatHandler(PresenceTracker tracker, TimeProvider clock) : ICommandHandler<RecordHeartbeat, PresenceInfo>
{
    /// <summary>Several nodes: how long the answer waits for the shared row before it says the store is unavailable.</summary>
    private static readonly TimeSpan SaveTimeout = TimeSpan.FromSeconds(5);

    public async ValueTask<PresenceInfo> Handle(RecordHeartbeat command, CancellationToken cancellationToken)
    {
        if (!string.Equals(command.UserId, command.CallerId, StringComparison.Ordinal))
        {
            throw AppException.Forbidden("You can only set your own status: user_id must be your own id.");
        }

        var info = tracker.Heartbeat(command.CallerId, (UserStatus)command.Status!.Value, clock.GetUtcNow(), out var saved);
        if (saved is not null)
        {
            // Answered once every node can see it: a client that signs off here and reconnects to
            // another node straight away must find the sign-off already in the shared row.
            try
            {
                await saved.WaitAsync(SaveTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new AppException(503, "Presence could not be saved just now (the store is unreachable); it is kept and retried, send the heartbeat again shortly.");
            }
        }

        return info;
    }
}

internal static class HeartbeatEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/heartbeat", async Task<Ok<StatusResponse>> (HeartbeatRequest? request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                throw AppException.BadRequest("Send a JSON body: {\"user_id\": \"<your id>\", \"status\": 1}.");
            }

            var info = await sender.Send(new RecordHeartbeat(user.UserId(), request.UserId, request.Status), cancellationToken);
            return TypedResults.Ok(StatusResponse.From(info));
        })
        .WithName("SendHeartbeat")
        .WithSummary("Say you are here, with the status you choose")
        .WithDescription("status: 0 offline, 1 online, 2 busy, 3 away. user_id must be the caller's own id (403 otherwise).")
        .RequireAuthorization(AuthPolicies.User);
}
