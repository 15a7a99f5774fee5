using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Users;

namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>
/// Who a message mentions: the named users who can read its channel, every reader for @channel (every
/// active user in a public channel), readers with a socket open right now for @here. Never the sender.
/// Usernames are looked up in Auth once and remembered (a username never changes hands while its user
/// exists; a remembered user that is gone or inactive is looked up again).
/// </summary>
internal sealed class MentionResolver(UserDirectory users, ConnectionRegistry connections, IServiceScopeFactory scopes)
{
    private const int MaxPublicUsers = 10_000;

    private const int MaxUnknown = 10_000;

    private readonly ConcurrentDictionary<string, string> _idByName = new(StringComparer.Ordinal);
    /// <summary>
    /// Names Auth did not know: an <c>@word</c> that is not a user (an @ in a log line, a typo) costs no
    /// query the next time. Forgotten whenever a user is created, since the name may be theirs now.
    /// </summary>
    private readonly ConcurrentDictionary<string, bool> _unknown = new(StringComparer.Ordinal);

    private int _generation;

    public void ForgetUnknownNames()
    {
        Interlocked.Increment(ref _generation);
        _unknown.Clear();
    }

    /// <summary>Null when the message mentions nobody (the common case, decided without awaiting anything).</summary>
    public ValueTask<IReadOnlyList<string>?> ResolveAsync(ChannelState channel, string senderId, int type, byte[] content, CancellationToken cancellationToken)
    {
        if (!MentionParser.MayMention(type, content))
        {
            return ValueTask.FromResult<IReadOnlyList<string>?>(null);
        }

        var parsed = MentionParser.Parse(type, content);
        return parsed.IsEmpty ? ValueTask.FromResult<IReadOnlyList<string>?>(null) : new ValueTask<IReadOnlyList<string>?>(ResolveAsync(channel, senderId, parsed, cancellationToken));
    }

    public async Task<IReadOnlyList<string>?> ResolveAsync(ChannelState channel, string senderId, ParsedMentions parsed, CancellationToken cancellationToken)
    {
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        if (parsed.Channel)
        {
            if (channel.IsPublic)
            {
                mentioned.UnionWith(await EveryActiveUserAsync(cancellationToken));
            }
            else
            {
                mentioned.UnionWith(channel.Members);
            }
        }

        if (parsed.Here)
        {
            foreach (var socket in connections.All)
            {
                if (channel.CanAccess(socket.UserId))
                {
                    mentioned.Add(socket.UserId);
                }
            }
        }

        foreach (var user in await FindByNamesAsync(parsed.Usernames, cancellationToken))
        {
            if (user.IsActive && channel.CanAccess(user.Id))
            {
                mentioned.Add(user.Id);
            }
        }

        mentioned.Remove(senderId);
        return mentioned.Count == 0 ? null : mentioned.ToList();
    }

    private async Task<IReadOnlyList<UserInfo>> FindByNamesAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return [];
        }

        var found = new List<UserInfo>(names.Count);
        var missing = new List<string>();
        foreach (var name in names)
        {
            if (_idByName.TryGetValue(name, out var id) && await users.FindAsync(id, cancellationToken) is { IsActive: true } known)
            {
                found.Add(known);
            }
            else if (!_unknown.ContainsKey(name))
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            var generation = Volatile.Read(ref _generation);
            await using var scope = scopes.CreateAsyncScope();
            var known = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUsersByUsernames(missing), cancellationToken);
            foreach (var user in known)
            {
                _idByName[user.Username.ToLowerInvariant()] = user.Id;
                users.Update(user);
                found.Add(user);
            }

            if (_unknown.Count > MaxUnknown)
            {
                _unknown.Clear();
            }

            foreach (var name in missing)
            {
                // Not if a user was created while Auth was asked: the answer may be out of date already.
                if (generation == Volatile.Read(ref _generation) && !known.Any(u => string.Equals(u.Username, name, StringComparison.OrdinalIgnoreCase)))
                {
                    _unknown[name] = true;
                }
            }
        }

        return found;
    }

    private async Task<IEnumerable<string>> EveryActiveUserAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var everyone = new List<string>();
        while (everyone.Count < MaxPublicUsers)
        {
            var page = await sender.Send(new ListUsers(null, everyone.Count, 1000, IncludeInactive: false), cancellationToken);
            everyone.AddRange(page.Users.Select(u => u.Id));
            if (page.Users.Count == 0 || everyone.Count >= page.Total)
            {
                break;
            }
        }

        return everyone;
    }
}

/// <summary>A new user may carry a name that was unknown until now.</summary>
internal sealed class ForgetUnknownMentionNames(MentionResolver resolver) :
    Mediator.INotificationHandler<UserRegistered>, Mediator.INotificationHandler<UserCreated>, Mediator.INotificationHandler<UserRefreshed>
{
    /// <summary>A user created on another node may own a name this node remembered as unknown.</summary>
    public ValueTask Handle(UserRefreshed notification, CancellationToken cancellationToken)
    {
        resolver.ForgetUnknownNames();
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserRegistered notification, CancellationToken cancellationToken)
    {
        resolver.ForgetUnknownNames();
        return ValueTask.CompletedTask;
    }

    public ValueTask Handle(UserCreated notification, CancellationToken cancellationToken)
    {
        resolver.ForgetUnknownNames();
        return ValueTask.CompletedTask;
    }
}
