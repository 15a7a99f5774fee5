using Mediator;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Channels;

internal sealed record MemberView(string UserId, string? Username, string? FullName, string Role, DateTimeOffset JoinedAt);

internal static class ChannelMemberRoles
{
    public static readonly IReadOnlyList<string> All = ["member", "owner"];
}

internal static class ChannelLookup
{
    /// <summary>A public or private channel; direct messages are not the admin's to manage (404 like an unknown id).</summary>
    public static async Task<ChannelInfo> FindAsync(ISender sender, string id, CancellationToken cancellationToken) =>
        await sender.Send(new GetChannel(id), cancellationToken) is { Type: not ChannelTypes.Direct } channel
            ? channel
            : throw AppException.NotFound($"No channel with id '{id}'.");
}
