using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Messaging.Users;

/// <summary>
/// Users as Auth knows them, cached so that DMs and member lists do not ask Auth for every message.
/// Auth's notifications (updated, deleted) drop the cached entry; unknown ids are never cached, so a
/// user registered a moment ago is found.
/// </summary>
internal sealed class UserDirectory(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<string, UserInfo> _users = new(StringComparer.Ordinal);

    public async ValueTask<UserInfo?> FindAsync(string userId, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(userId, out var cached))
        {
            return cached;
        }

        if (userId.Length is 0 or > 128)
        {
            return null;
        }

        await using var scope = scopes.CreateAsyncScope();
        UserInfo? user;
        try
        {
            user = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUser(userId), cancellationToken);
        }
        catch (AppException ex) when (ex.Status is 400 or 404)
        {
            // Auth rejects ids that cannot be user ids; for us that is simply "no such user".
            return null;
        }

        if (user is not null)
        {
            _users[userId] = user;
        }

        return user;
    }

    public async Task<IReadOnlyList<UserInfo>> FindManyAsync(IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var found = new List<UserInfo>(userIds.Count);
        var missing = new List<string>();
        foreach (var id in userIds)
        {
            if (_users.TryGetValue(id, out var cached))
            {
                found.Add(cached);
            }
            else
            {
                missing.Add(id);
            }
        }

        if (missing.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var users = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUsers(missing), cancellationToken);
            foreach (var user in users)
            {
                _users[user.Id] = user;
                found.Add(user);
            }
        }

        return found;
    }

    public void Forget(string userId) => _users.TryRemove(userId, out _);

    /// <summary>After the cluster listener reconnects: users may have changed on another node meanwhile.</summary>
    public void ForgetAll() => _users.Clear();

    public void Update(UserInfo user) => _users[user.Id] = user;
}
