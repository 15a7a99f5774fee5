using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Channels;

internal static class ChannelEndpoints
{
    internal sealed record ChannelBody(string? Name, string? Type, string? DepartmentId);
    internal sealed record MemberBody(string? UserId, string? Role);

    public static void Map(IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/admin/channels").RequireAuthorization(AuthPolicies.Admin);
        channels.MapGet("", async (ISender s) => TypedResults.Ok(new { channels = await s.Send(new AdminListChannels()) }));
        channels.MapPost("", async (ChannelBody body, HttpContext http, ISender s) =>
        {
            var channel = await s.Send(new AdminCreateChannel(body.Name ?? "", body.Type ?? "public",
                string.IsNullOrWhiteSpace(body.DepartmentId) ? null : body.DepartmentId, AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/channels/{channel.Id}", channel);
        });
        channels.MapDelete("/{id}", async (string id, HttpContext http, ISender s) =>
        {
            await s.Send(new AdminDeleteChannel(id, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });
        channels.MapGet("/{id}/members", async (string id, ISender s) => TypedResults.Ok(new { members = await s.Send(new AdminListMembers(id)) }));
        channels.MapPost("/{id}/members", async (string id, MemberBody body, HttpContext http, ISender s) =>
        {
            var member = await s.Send(new AdminAddMember(id, body.UserId ?? "", body.Role ?? "member", AdminActor.From(http.User)));
            return TypedResults.Created($"/admin/channels/{id}/members/{member.UserId}", member);
        });
        channels.MapDelete("/{id}/members/{userId}", async (string id, string userId, HttpContext http, ISender s) =>
        {
            await s.Send(new AdminRemoveMember(id, userId, AdminActor.From(http.User)));
            return TypedResults.NoContent();
        });
    }
}
