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

    private readonly ConcurrentDictionary<string, string> _idByName = new(StringComparer.Ordinal);

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
            else
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            foreach (var user in await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUsersByUsernames(missing), cancellationToken))
            {
                _idByName[user.Username.ToLowerInvariant()] = user.Id;
                users.Update(user);
                found.Add(user);
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
