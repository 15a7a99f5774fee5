using Mediator;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin;

/// <summary>Users live in Auth; Admin pages through them on the bus when it needs all that match.</summary>
internal static class AuthUsers
{
    /// <summary>Every user matching (an office has hundreds of users, not millions).</summary>
    public static async Task<List<UserInfo>> WhereAsync(ISender sender, Func<UserInfo, bool> predicate, CancellationToken cancellationToken)
    {
        var found = new List<UserInfo>();
        for (var offset = 0; ; offset += 500)
        {
            var page = await sender.Send(new ListUsers(null, offset, 500), cancellationToken);
            found.AddRange(page.Users.Where(predicate));
            if (page.Users.Count < 500)
            {
                return found;
            }
        }
    }
}
