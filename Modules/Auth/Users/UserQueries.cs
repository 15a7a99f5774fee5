using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Auth.Users;

internal sealed class GetUserHandler(AuthDbContext db) : IQueryHandler<GetUser, UserInfo?>
{
    public async ValueTask<UserInfo?> Handle(GetUser query, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == query.UserId, cancellationToken);
        return user?.ToInfo();
    }
}

internal sealed class GetUsersHandler(AuthDbContext db) : IQueryHandler<GetUsers, IReadOnlyList<UserInfo>>
{
    // SQLite caps the parameters of one statement; ask in slices.
    private const int Slice = 500;

    public async ValueTask<IReadOnlyList<UserInfo>> Handle(GetUsers query, CancellationToken cancellationToken)
    {
        var ids = query.UserIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        var found = new List<UserInfo>(ids.Count);
        foreach (var slice in ids.Chunk(Slice))
        {
            var users = await db.Users.AsNoTracking().Where(u => slice.Contains(u.Id)).ToListAsync(cancellationToken);
            found.AddRange(users.Select(u => u.ToInfo()));
        }

        return found;
    }
}

internal sealed class GetUsersByUsernamesHandler(AuthDbContext db) : IQueryHandler<GetUsersByUsernames, IReadOnlyList<UserInfo>>
{
    private const int Slice = 500;

    public async ValueTask<IReadOnlyList<UserInfo>> Handle(GetUsersByUsernames query, CancellationToken cancellationToken)
    {
        var keys = query.Usernames.Where(n => !string.IsNullOrEmpty(n) && n.Length <= 32).Select(UserRules.KeyOf).Distinct(StringComparer.Ordinal).ToList();
        var found = new List<UserInfo>(keys.Count);
        foreach (var slice in keys.Chunk(Slice))
        {
            var users = await db.Users.AsNoTracking().Where(u => slice.Contains(u.UsernameKey)).ToListAsync(cancellationToken);
            found.AddRange(users.Select(u => u.ToInfo()));
        }

        return found;
    }
}

internal sealed class ListUsersValidator : AbstractValidator<ListUsers>
{
    public ListUsersValidator()
    {
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).WithMessage("offset must not be negative.");
        RuleFor(q => q.Limit).InclusiveBetween(1, 1000).WithMessage("limit must be 1-1000.");
        RuleFor(q => q.Search).MaximumLength(100).WithMessage("search is longer than 100 characters.");
    }
}

internal sealed class ListUsersHandler(AuthDbContext db) : IQueryHandler<ListUsers, UserPage>
{
    public async ValueTask<UserPage> Handle(ListUsers query, CancellationToken cancellationToken)
    {
        var users = db.Users.AsNoTracking();
        if (!query.IncludeInactive)
        {
            users = users.Where(u => u.IsActive);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = "%" + query.Search.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            users = users.Where(u => EF.Functions.Like(u.Username, pattern, "\\") || EF.Functions.Like(u.FullName, pattern, "\\"));
        }

        var total = await users.CountAsync(cancellationToken);
        var page = await users.OrderBy(u => u.UsernameKey).Skip(query.Offset).Take(query.Limit).ToListAsync(cancellationToken);
        return new UserPage(page.Select(u => u.ToInfo()).ToList(), total);
    }
}

internal sealed class GetUserStatsHandler(AuthDbContext db, TimeProvider clock) : IQueryHandler<GetUserStats, UserStats>
{
    public async ValueTask<UserStats> Handle(GetUserStats query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var total = await db.Users.CountAsync(cancellationToken);
        var active = await db.Users.CountAsync(u => u.IsActive, cancellationToken);
        var loggedIn = await db.Users.CountAsync(u => u.LastLoginAt >= today, cancellationToken);
        return new UserStats(total, active, loggedIn);
    }
}
