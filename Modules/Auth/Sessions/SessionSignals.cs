using System.Text.Json;
using System.Text.Json.Serialization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Auth.Users;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Cluster;

namespace ZiyadMessenger.Modules.Auth.Sessions;

/// <summary>
/// What Auth tells the other nodes after a commit: "this user changed" (created, updated, deactivated,
/// password changed or reset, deleted) and "this token was logged out". Ids only; the receiver reads
/// the user's row for the truth.
/// </summary>
internal sealed record SessionSignal(
    [property: JsonPropertyName("u")] string UserId,
    [property: JsonPropertyName("t")] string? LoggedOutTokenId = null)
{
    public const string Topic = "auth";

    public string Encode() => JsonSerializer.Serialize(this);

    public static SessionSignal? Decode(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<SessionSignal>(payload) is { UserId.Length: > 0 } signal ? signal : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Sends <see cref="SessionSignal"/>s; on one node (SQLite) the bus sends nothing.</summary>
internal sealed class SessionSignals(IClusterBus bus)
{
    public async Task UserChangedAsync(string userId, string? loggedOutTokenId = null)
    {
        if (bus.IsClustered)
        {
            await bus.PublishWithRetryAsync(SessionSignal.Topic, new SessionSignal(userId, loggedOutTokenId).Encode(), CancellationToken.None);
        }
    }
}

/// <summary>
/// Keeps this node's token state in step with the others: on a signal it re-reads the user (and the
/// logged-out token), then tells this node's modules what ended, exactly as if it had happened here:
/// Messaging closes the sockets within the 2 s CONTRACT §6 allows. After the listener (re)connects,
/// everything is re-read, since signals sent meanwhile are gone.
/// </summary>
internal sealed class SessionClusterSync(IClusterBus bus, UserTokenState state, IServiceScopeFactory scopes, ILogger<SessionClusterSync> logger)
    : ClusterTopicSubscriber(bus)
{
    protected override string Topic => SessionSignal.Topic;

    protected override async ValueTask OnSignalAsync(ClusterSignal signal, CancellationToken cancellationToken)
    {
        if (SessionSignal.Decode(signal.Payload) is not { } changed)
        {
            logger.LogWarning("Ignored an {Topic} signal that is not one", SessionSignal.Topic);
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        if (changed.LoggedOutTokenId is { } tokenId && !state.IsRevoked(tokenId)
            && await db.RevokedTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenId == tokenId, cancellationToken) is { } revoked)
        {
            state.Revoke(revoked.TokenId, revoked.ExpiresAt);
            await publisher.Publish(new UserTokenRevoked(revoked.UserId, revoked.TokenId), CancellationToken.None);
        }

        AuthUser? user;
        bool ended;
        // The same gate as this node's own writes, so the cache ends in the database's latest state.
        await state.WriteGate.WaitAsync(cancellationToken);
        try
        {
            user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == changed.UserId, cancellationToken);
            ended = state.Refresh(changed.UserId, user);
        }
        finally
        {
            state.WriteGate.Release();
        }

        if (ended)
        {
            await publisher.Publish(new UserSessionsRevoked(changed.UserId, user is null ? "deleted" : "changed on another node", user?.KeptTokenId),
                CancellationToken.None);
        }

        await publisher.Publish(new UserRefreshed(changed.UserId, user?.ToInfo()), CancellationToken.None);
    }

    protected override async ValueTask ResynchronizeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();
        TokenStateChanges changes;
        await state.WriteGate.WaitAsync(cancellationToken);
        try
        {
            changes = await state.ReloadAsync(db, cancellationToken);
        }
        finally
        {
            state.WriteGate.Release();
        }

        foreach (var (userId, tokenId) in changes.TokensRevoked)
        {
            await publisher.Publish(new UserTokenRevoked(userId, tokenId), CancellationToken.None);
        }

        foreach (var (userId, kept) in changes.SessionsEnded)
        {
            await publisher.Publish(new UserSessionsRevoked(userId, "changed on another node", kept), CancellationToken.None);
            await publisher.Publish(new UserRefreshed(userId, (await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, cancellationToken))?.ToInfo()),
                CancellationToken.None);
        }

        foreach (var userId in changes.UsersRemoved)
        {
            await publisher.Publish(new UserSessionsRevoked(userId, "deleted"), CancellationToken.None);
            await publisher.Publish(new UserRefreshed(userId, null), CancellationToken.None);
        }

        if (changes.SessionsEnded.Count + changes.UsersRemoved.Count + changes.TokensRevoked.Count > 0)
        {
            logger.LogInformation("Caught up with the other nodes: {Ended} users' sessions ended, {Removed} users gone, {Tokens} tokens logged out",
                changes.SessionsEnded.Count, changes.UsersRemoved.Count, changes.TokensRevoked.Count);
        }
    }
}
