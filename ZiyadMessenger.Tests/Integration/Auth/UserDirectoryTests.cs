using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>What Admin and the other modules ask Auth on the bus, held to the same rules as HTTP.</summary>
public sealed class UserDirectoryTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<T> Send<T>(Func<ISender, ValueTask<T>> call)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    [Fact]
    public async Task An_admin_created_user_can_log_in_and_appears_in_the_directory()
    {
        var created = await Send(s => s.Send(new CreateUser("carol.k", "Carol King", "password-1", "engineer", "dept-7", "admin-1")));

        created.Username.Should().Be("carol.k");
        created.Role.Should().Be("engineer");
        created.DepartmentId.Should().Be("dept-7");
        created.IsActive.Should().BeTrue();
        created.LastLoginAt.Should().BeNull();
        (await _host.LoginAsync("carol.k", "password-1")).Should().NotBeNullOrEmpty();

        var cleared = await Send(s => s.Send(new UpdateUser(created.Id, null, null, null, null, "admin-1", ClearDepartment: true)));
        cleared.DepartmentId.Should().BeNull();
    }

    [Fact]
    public async Task The_bus_applies_the_same_rules_as_http()
    {
        await Send(s => s.Send(new CreateUser("dave", "Dave", "password-1", "member", null, "admin-1")));

        var taken = async () => await Send(s => s.Send(new CreateUser("DAVE", "Dave 2", "password-2", "member", null, "admin-1")));
        (await taken.Should().ThrowAsync<AppException>()).Which.Status.Should().Be(409);

        var invalid = async () => await Send(s => s.Send(new CreateUser("x", "", "short", "", null, "admin-1")));
        var failure = (await invalid.Should().ThrowAsync<ValidationException>()).Which;
        failure.Errors.Select(e => e.PropertyName).Should().Contain(["Username", "FullName", "Password", "Role"]);

        var missing = async () => await Send(s => s.Send(new UpdateUser("no-such-user", "Name", null, null, null, "admin-1")));
        (await missing.Should().ThrowAsync<AppException>()).Which.Status.Should().Be(404);

        var badPage = async () => await Send(s => s.Send(new ListUsers(null, -1, 0)));
        await badPage.Should().ThrowAsync<ValidationException>();
    }

    [Fact]
    public async Task Listing_searches_pages_and_filters_inactive_users()
    {
        foreach (var name in new[] { "zed", "yan", "xia", "wes_search", "vic" })
        {
            await Send(s => s.Send(new CreateUser(name, name.ToUpperInvariant() + " Person", "password-1", "member", null, "admin-1")));
        }

        var all = await Send(s => s.Send(new ListUsers(null, 0, 100)));
        all.Total.Should().Be(5);
        all.Users.Select(u => u.Username).Should().BeInAscendingOrder();

        var page = await Send(s => s.Send(new ListUsers(null, 1, 2)));
        page.Total.Should().Be(5);
        page.Users.Select(u => u.Username).Should().Equal("wes_search", "xia");

        var search = await Send(s => s.Send(new ListUsers("SEARCH", 0, 100)));
        search.Users.Select(u => u.Username).Should().Equal("wes_search");
        var byName = await Send(s => s.Send(new ListUsers("yan per", 0, 100)));
        byName.Users.Select(u => u.Username).Should().Equal("yan");
        // LIKE wildcards in the search are plain characters.
        (await Send(s => s.Send(new ListUsers("%", 0, 100)))).Total.Should().Be(0);
        (await Send(s => s.Send(new ListUsers("_", 0, 100)))).Users.Select(u => u.Username).Should().Equal("wes_search");

        var vic = all.Users.Single(u => u.Username == "vic");
        await Send(s => s.Send(new UpdateUser(vic.Id, null, null, null, false, "admin-1")));
        (await Send(s => s.Send(new ListUsers(null, 0, 100, IncludeInactive: false)))).Total.Should().Be(4);
        (await Send(s => s.Send(new ListUsers(null, 0, 100)))).Total.Should().Be(5);
    }

    [Fact]
    public async Task Stats_count_users_active_users_and_todays_logins()
    {
        var a = await _host.CreateUserAsync();
        await _host.CreateUserAsync();
        var c = await Send(s => s.Send(new CreateUser("never_logged", "Never", "password-1", "member", null, "admin-1")));
        await Send(s => s.Send(new UpdateUser(c.Id, null, null, null, false, "admin-1")));

        var stats = await Send(s => s.Send(new GetUserStats()));

        stats.Should().Be(new UserStats(Total: 3, Active: 2, LoggedInToday: 2));
        a.Should().NotBeNull();
    }
}
