using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;

namespace ZiyadMessenger.Modules.Messaging.DirectMessages;

/// <summary><c>POST /dm</c>.</summary>
internal sealed record OpenDirect(string UserId, string? TargetUserId) : ICommand<DirectResponse>;

internal sealed record DirectRequest(string? TargetUserId);

internal sealed record DirectResponse(string ChannelId);

internal sealed class OpenDirectValidator : AbstractValidator<OpenDirect>
{
    public OpenDirectValidator() => RuleFor(c => c.TargetUserId).NotEmpty().WithMessage("target_user_id is required.");
}

internal sealed class OpenDirectHandler(ChannelAccess access) : ICommandHandler<OpenDirect, DirectResponse>
{
    public async ValueTask<DirectResponse> Handle(OpenDirect command, CancellationToken cancellationToken)
    {
        var channel = await access.OpenDirectAsync(command.UserId, command.TargetUserId!, cancellationToken);
        return new DirectResponse(channel.Id);
    }
}

internal static class OpenDirectEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/dm", async Task<Ok<DirectResponse>> (DirectRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new OpenDirect(user.UserId(), body.TargetUserId), ct)))
            .Describe("OpenDirect", "The direct message channel with another user, created on first use.", 400, 404);
}
