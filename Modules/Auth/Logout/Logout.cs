using System.Globalization;
using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Auth.Sessions;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Logout;

/// <summary>Ends one token: its id is kept (not the token) until it would have expired anyway.</summary>
internal sealed record LogOut(string UserId, string TokenId, DateTimeOffset ExpiresAt) : ICommand;

internal sealed class LogOutHandler(AuthDbContext db, UserTokenState state, SessionSignals signals, IPublisher publisher) : ICommandHandler<LogOut>
{
    public async ValueTask<Unit> Handle(LogOut command, CancellationToken cancellationToken)
    {
        if (!await db.RevokedTokens.AnyAsync(t => t.TokenId == command.TokenId, cancellationToken))
        {
            db.RevokedTokens.Add(new RevokedToken { TokenId = command.TokenId, UserId = command.UserId, ExpiresAt = command.ExpiresAt });
            await db.SaveChangesAsync(cancellationToken);
        }

        state.Revoke(command.TokenId, command.ExpiresAt);
        await signals.UserChangedAsync(command.UserId, command.TokenId);
        await publisher.Publish(new UserTokenRevoked(command.UserId, command.TokenId), CancellationToken.None);
        await publisher.Publish(new LoggedOut(command.UserId), CancellationToken.None);
        return Unit.Value;
    }
}

internal static class LogoutEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/logout", async Task<NoContent> (ClaimsPrincipal principal, ISender sender, CancellationToken ct) =>
            {
                await sender.Send(new LogOut(principal.UserId(), principal.TokenId()!, ExpiresAt(principal)), ct);
                return TypedResults.NoContent();
            })
            .WithName("LogOut")
            .WithSummary("End this token")
            .WithDescription("The token that sent the request stops working at once; the user's other tokens keep working.")
            .RequireAuthorization(AuthPolicies.User);

    internal static DateTimeOffset ExpiresAt(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(ZiyadClaims.ExpiresAt), NumberStyles.Integer, CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp)
            : DateTimeOffset.UtcNow.AddDays(90);
}
