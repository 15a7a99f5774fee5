using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels;

internal static class ChannelEndpoints
{
    internal sealed record ChannelBody(string? Name, string? Type, string? DepartmentId);
    internal sealed record MemberBody(string? UserId, string? Role);
    internal sealed record ChannelList(IReadOnlyList<ChannelInfo> Channels);
    internal sealed record MemberList(IReadOnlyList<MemberView> Members);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/channels", async Task<Ok<ChannelList>> (ISender s, CancellationToken ct) => TypedResults.Ok(new ChannelList(await s.Send(new AdminListChannels(), ct))))
            .RequirePermission(AdminPermission.ChannelsRead)
            .WithName("ListChannels")
            .WithSummary("Lists the public and private channels.");

        app.MapPost("/admin/channels", async Task<Created<ChannelInfo>> (ChannelBody body, HttpContext http, ISender s) =>
            {
                var channel = await s.Send(new AdminCreateChannel(body.Name ?? "", body.Type ?? "public",
                    string.IsNullOrWhiteSpace(body.DepartmentId) ? null : body.DepartmentId, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/channels/{channel.Id}", channel);
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("CreateChannel")
            .WithSummary("Creates a public or private channel; names are unique case-insensitively.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        app.MapDelete("/admin/channels/{id}", async Task<NoContent> (string id, HttpContext http, ISender s) =>
            {
                await s.Send(new AdminDeleteChannel(id, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("DeleteChannel")
            .WithSummary("Deletes a channel.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/admin/channels/{id}/members", async Task<Ok<MemberList>> (string id, ISender s, CancellationToken ct) =>
                TypedResults.Ok(new MemberList(await s.Send(new AdminListMembers(id), ct))))
            .RequirePermission(AdminPermission.ChannelsRead)
            .WithName("ListChannelMembers")
            .WithSummary("Lists a channel's members with their names.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapPost("/admin/channels/{id}/members", async Task<Created<MemberView>> (string id, MemberBody body, HttpContext http, ISender s) =>
            {
                var member = await s.Send(new AdminAddMember(id, body.UserId ?? "", body.Role ?? "member", AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.Created($"/admin/channels/{id}/members/{member.UserId}", member);
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("AddChannelMember")
            .WithSummary("Adds a user to a channel (member or owner); connected sockets see it at once.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapDelete("/admin/channels/{id}/members/{userId}", async Task<NoContent> (string id, string userId, HttpContext http, ISender s) =>
            {
                await s.Send(new AdminRemoveMember(id, userId, AdminActor.From(http.User)), http.RequestAborted);
                return TypedResults.NoContent();
            })
            .RequirePermission(AdminPermission.ChannelsWrite)
            .WithName("RemoveChannelMember")
            .WithSummary("Removes a user from a channel.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }
}
