using ZiyadMessenger.Modules.Admin.Data;

namespace ZiyadMessenger.Modules.Admin.Accounts;

internal sealed record AdminView(string Id, string Username, string Role, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? LastLoginAt)
{
    public static AdminView From(AdminAccount a) => new(a.Id, a.Username, a.Role, a.CreatedAt, a.UpdatedAt, a.LastLoginAt);
}

internal sealed record AdminLoginResult(string Token, AdminView User, DateTimeOffset ExpiresAt);
