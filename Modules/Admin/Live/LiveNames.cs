using System.Collections.Concurrent;
using System.Threading.Channels;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Messaging;

namespace ZiyadMessenger.Modules.Admin.Live;

internal sealed record PersonName(string Username, string FullName);

/// <summary>
/// Puts names beside the ids of live events (an admin reads "Sara Haddad (sara)", not a UUID). The
/// notification handlers only queue the event and return, so a lookup never slows the request that
/// published it (a message send); one worker looks the names up on the bus, in order, and broadcasts.
/// Names are remembered for a few minutes, so a busy channel costs one lookup, not one per message.
/// A name that cannot be found leaves the id alone.
/// </summary>
internal sealed class LiveNames(IServiceScopeFactory scopes, TimeProvider clock, ILogger<LiveNames> logger) : BackgroundService
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private const int MaxRemembered = 5000;

    private DateTimeOffset Now => clock.GetUtcNow();

    private readonly ConcurrentDictionary<string, (PersonName? Name, DateTimeOffset At)> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string? Name, DateTimeOffset At)> _channels = new(StringComparer.Ordinal);

    // Bounded like each dashboard's own queue: under a flood the oldest events go, never the sender's time.
    private readonly Channel<Func<Lookup, CancellationToken, Task>> _queue = Channel.CreateBounded<Func<Lookup, CancellationToken, Task>>(
        new BoundedChannelOptions(2048) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Runs <paramref name="work"/> (look names up, then broadcast) on the worker.</summary>
    public void Enqueue(Func<Lookup, CancellationToken, Task> work) => _queue.Writer.TryWrite(work);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await work(new Lookup(this, scope.ServiceProvider.GetRequiredService<ISender>()), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("A live event could not be sent: {Reason}", ex.Message);
            }
        }
    }

    internal sealed class Lookup(LiveNames names, ISender sender)
    {
        public async Task<PersonName?> UserAsync(string? userId, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(userId))
            {
                return null;
            }

            if (names._users.TryGetValue(userId, out var known) && names.Now - known.At < KeepFor)
            {
                return known.Name;
            }

            var user = await names.TryAsync(() => sender.Send(new GetUser(userId), cancellationToken).AsTask());
            var name = user is null ? null : new PersonName(user.Username, user.FullName);
            Remember(names._users, userId, (name, names.Now));
            return name;
        }

        public async Task<string?> ChannelAsync(string? channelId, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(channelId))
            {
                return null;
            }

            if (names._channels.TryGetValue(channelId, out var known) && names.Now - known.At < KeepFor)
            {
                return known.Name;
            }

            var channel = await names.TryAsync(() => sender.Send(new GetChannel(channelId), cancellationToken).AsTask());
            Remember(names._channels, channelId, (channel?.Name, names.Now));
            return channel?.Name;
        }
    }

    private async Task<T?> TryAsync<T>(Func<Task<T?>> lookUp) where T : class
    {
        try
        {
            return await lookUp();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The feed still shows the event, with the id.
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
