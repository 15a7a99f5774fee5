using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Live;

internal sealed record PersonName(string Username, string FullName);

/// <summary>
/// The names the live feed shows beside ids (an admin reads "Sara Haddad (sara)", not a UUID). Looked up
/// on the bus only while a dashboard is watching, and remembered for a few minutes so a busy channel
/// costs one lookup, not one per message. A name that cannot be found leaves the id alone.
/// </summary>
internal sealed class LiveNames(TimeProvider clock, ILogger<LiveNames> logger)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private const int MaxRemembered = 5000;

    private readonly ConcurrentDictionary<string, (PersonName? Name, DateTimeOffset At)> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string? Name, DateTimeOffset At)> _channels = new(StringComparer.Ordinal);

    public async ValueTask<PersonName?> UserAsync(ISender sender, string? userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return null;
        }

        if (_users.TryGetValue(userId, out var known) && clock.GetUtcNow() - known.At < KeepFor)
        {
            return known.Name;
        }

        var user = await LookUpAsync(() => sender.Send(new GetUser(userId), cancellationToken).AsTask(), cancellationToken);
        var name = user is null ? null : new PersonName(user.Username, user.FullName);
        Remember(_users, userId, (name, clock.GetUtcNow()));
        return name;
    }

    public async ValueTask<string?> ChannelAsync(ISender sender, string? channelId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(channelId))
        {
            return null;
        }

        if (_channels.TryGetValue(channelId, out var known) && clock.GetUtcNow() - known.At < KeepFor)
        {
            return known.Name;
        }

        var channel = await LookUpAsync(() => sender.Send(new GetChannel(channelId), cancellationToken).AsTask(), cancellationToken);
        Remember(_channels, channelId, (channel?.Name, clock.GetUtcNow()));
        return channel?.Name;
    }

    private async Task<T?> LookUpAsync<T>(Func<Task<T?>> lookUp, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await lookUp();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The feed still shows the event, with the id; the event itself must not be lost.
            logger.LogDebug("A name for the live feed is unavailable: {Reason}", ex.Message);
            return null;
        }
    }

    private static void Remember<T>(ConcurrentDictionary<string, T> cache, string key, T value)
    {
        if (cache.Count >= MaxRemembered)
        {
            cache.Clear();
        }

        cache[key] = value;
    }
}
