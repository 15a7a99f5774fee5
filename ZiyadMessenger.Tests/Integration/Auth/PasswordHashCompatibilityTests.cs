using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>
/// Password hashes are stored as PHC strings; the hashing library behind them may change, the hashes a
/// server already holds may not stop working. The stored hash below was made by the managed Argon2id
/// library this server used before it moved to libsodium (same password, salt and parameters).
/// </summary>
public sealed class PasswordHashCompatibilityTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private const string Password = "correct horse ✓ battery";
    private const string EarlierHash = "$argon2id$v=19$m=19456,t=2,p=1$eml5YWQtc2FsdC0xNmJ5dA$dyKEO+XMPfyqEVR4Y+1Gn7H9Of6exjqGq36xbLLeIvU";

    private readonly TestHost _host = fixture.Host;

    [Fact]
    public async Task A_user_whose_hash_was_made_by_the_earlier_library_still_logs_in()
    {
        var user = await _host.CreateUserAsync();
        await SetStoredHashAsync(user.Id, EarlierHash);
        var auth = _host.Client(ModuleNames.Auth);

        var wrong = await auth.PostAsJsonAsync("/login", new { username = user.Username, password = Password + "x" });
        wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var right = await auth.PostAsJsonAsync("/login", new { username = user.Username, password = Password });
        right.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=2$eml5YWQtc2FsdC0xNmJ5dA$dyKEO+XMPfyqEVR4Y+1Gn7H9Of6exjqGq36xbLLeIvU")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2hvcnRzYWx0$dyKEO+XMPfyqEVR4Y+1Gn7H9Of6exjqGq36xbLLeIvU")]
    [InlineData("$argon2i$v=19$m=19456,t=2,p=1$eml5YWQtc2FsdC0xNmJ5dA$dyKEO+XMPfyqEVR4Y+1Gn7H9Of6exjqGq36xbLLeIvU")]
    [InlineData("not a hash")]
    public async Task A_stored_hash_this_server_cannot_have_made_never_verifies(string stored)
    {
        var user = await _host.CreateUserAsync();
        await SetStoredHashAsync(user.Id, stored);

        var login = await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = Password });

        login.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private async Task SetStoredHashAsync(string userId, string hash)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(_host.DataDirectory, "ziyad.db")};Pooling=false");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "UPDATE auth_users SET password_hash = $hash WHERE Id = $id";
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$id", userId);
        (await command.ExecuteNonQueryAsync()).Should().Be(1);
    }
}
