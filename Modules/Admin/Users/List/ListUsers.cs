using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Admin.Permissions;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Admin.Users.List;

internal sealed record UserListView(IReadOnlyList<UserInfo> Users, int Total, int Offset, int Limit);

internal sealed record AdminListUsers(string? Search, int Offset, int Limit) : IQuery<UserListView>;

internal sealed class AdminListUsersValidator : AbstractValidator<AdminListUsers>
{
    public AdminListUsersValidator()
    {
        RuleFor(x => x.Offset).GreaterThanOrEqualTo(0);
        RuleFor(x => x.Limit).InclusiveBetween(1, 500);
        RuleFor(x => x.Search!).MaximumLength(100).When(x => x.Search is not null);
    }
}

internal sealed class AdminListUsersHandler(ISender sender) : IQueryHandler<AdminListUsers, UserListView>
{
    public async ValueTask<UserListView> Handle(AdminListUsers query, CancellationToken cancellationToken)
    {
        var page = await sender.Send(new ListUsers(UserRules.Blank(query.Search)?.Trim(), query.Offset, query.Limit), cancellationToken);
        return new UserListView(page.Users, page.Total, query.Offset, query.Limit);
    }
}

internal static class ListUsersEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/admin/users", async Task<Ok<UserListView>> (string? search, int? offset, int? limit, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new AdminListUsers(search, offset ?? 0, limit ?? 50), ct)))
            .RequirePermission(AdminPermission.UsersRead)
            .WithName("ListUsers")
            .WithSummary("Lists users, searched by name and paged (limit 1–500).")
            .ProducesValidationProblem();
}
