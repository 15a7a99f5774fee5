using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Auth.Profile;

internal sealed record MeResponse(string Id, string Username, string FullName, string Role, string? DepartmentId, DateTimeOffset CreatedAt);

internal static class MeEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/me", async Task<Ok<MeResponse>> (System.Security.Claims.ClaimsPrincipal principal, ISender sender, CancellationToken ct) =>
            {
                var user = await sender.Send(new GetUser(principal.UserId()), ct)
                    ?? throw AppException.Unauthorized("This account no longer exists.");
                return TypedResults.Ok(new MeResponse(user.Id, user.Username, user.FullName, user.Role, user.DepartmentId, user.CreatedAt));
            })
            .WithName("GetMe")
            .WithSummary("The signed-in user's profile")
            .RequireAuthorization(AuthPolicies.User);
}
