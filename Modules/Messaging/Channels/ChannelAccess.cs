using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Messaging.Users;

namespace ZiyadMessenger.Modules.Messaging.Channels;

/// <summary>
/// Turns a <c>channel_id</c> from a client into a channel the caller may use. A channel id is that
/// channel (public: anyone; private and DM: members only). A user id means the DM with that user.
/// Anything else does not exist.
/// </summary>
internal sealed class ChannelAccess(ChannelDirectory directory, UserDirectory users, ChannelService service)
{
    /// <summary>For sending: creates the DM on first use. A DM to oneself is 403.</summary>
    public async ValueTask<ChannelState> ForSendAsync(string userId, string channelId, CancellationToken cancellationToken)
    {
        if (directory.Find(channelId) is { } channel)
        {
            return channel.CanAccess(userId) ? channel : throw NotYours();
        }

        var peer = await DirectPeerAsync(userId, channelId, cancellationToken);
        if (peer == userId)
        {
            throw AppException.Forbidden("You cannot send a direct message to yourself.");
        }

        return await service.EnsureDirectAsync(userId, peer, userId, cancellationToken);
    }

    /// <summary>For reading: the channel, or null for a DM that has not been used yet (it has no history).</summary>
    public async ValueTask<(string ChannelId, ChannelState? Channel)> ForReadAsync(string userId, string channelId, CancellationToken cancellationToken)
    {
        if (directory.Find(channelId) is { } channel)
        {
            return channel.CanAccess(userId) ? (channel.Id, channel) : throw NotYours();
        }

        var peer = await DirectPeerAsync(userId, channelId, cancellationToken);
        if (peer == userId)
        {
            throw AppException.Forbidden("There is no direct message channel with yourself.");
        }

        var id = ChannelDirectory.DirectId(userId, peer);
        return (id, directory.Find(id));
    }

    /// <summary>For <c>POST /dm</c>: the DM with another, existing user; 400 for oneself, 404 for an unknown user.</summary>
    public async Task<ChannelState> OpenDirectAsync(string userId, string targetUserId, CancellationToken cancellationToken)
    {
        if (targetUserId == userId)
        {
            throw AppException.Field("target_user_id", "You cannot open a direct message with yourself.");
        }

        var target = await users.FindAsync(targetUserId, cancellationToken);
        if (target is not { IsActive: true })
        {
            throw AppException.NotFound("No such user.");
        }

        return await service.EnsureDirectAsync(userId, targetUserId, userId, cancellationToken);
    }

    /// <summary>The other user of a DM named by a user id or by a <c>dm:a:b</c> id that includes the caller.</summary>
    private async ValueTask<string> DirectPeerAsync(string userId, string channelId, CancellationToken cancellationToken)
    {
        if (ChannelDirectory.TryParseDirectId(channelId, out var a, out var b))
        {
            if (a != userId && b != userId)
            {
                throw NoSuchChannel();
            }

            channelId = a == userId ? b : a;
        }

        if (channelId == userId)
        {
            return userId;
        }

        var user = await users.FindAsync(channelId, cancellationToken);
        return user is { IsActive: true } ? user.Id : throw NoSuchChannel();
    }

    private static AppException NotYours() => AppException.Forbidden("You are not a member of that channel.");

    private static AppException NoSuchChannel() => AppException.NotFound("No such channel or user.");
}
