using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ZiyadMessenger.Modules.Contracts.Auth;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Auth;

/// <summary>Only tokens this server issued, for users, unexpired and unrevoked, open user endpoints.</summary>
public sealed class TokenTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private readonly TestHost _host = fixture.Host;

    private byte[] RealKey => File.ReadAllBytes(Path.Combine(_host.DataDirectory, "keys", "token-signing.key"));

    private static string Sign(byte[] key, string audience, IDictionary<string, object> claims, DateTime notBefore, DateTime expires, string issuer = "ziyad-messenger") =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });

    private static Dictionary<string, object> ClaimsOf(TestUser user, int version = 1) => new()
    {
        ["sub"] = user.Id,
        ["name"] = user.Username,
        ["role"] = "member",
        ["tv"] = version,
        ["jti"] = Guid.NewGuid().ToString("N"),
    };

    private async Task<HttpStatusCode> MeStatus(string token)
    {
        using var client = _host.Client(ModuleNames.Auth, token);
        var response = await client.GetAsync("/me");
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        return response.StatusCode;
    }

    [Fact]
    public async Task A_token_crafted_with_the_real_key_and_valid_claims_works()
    {
        // The control for the forgery tests below: the crafting itself is right, only what they change is wrong.
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        var token = Sign(RealKey, "ziyad-user", ClaimsOf(user), now.AddMinutes(-1), now.AddMinutes(10));
        (await MeStatus(token)).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        var token = Sign(RandomNumberGenerator.GetBytes(64), "ziyad-user", ClaimsOf(user), now.AddMinutes(-1), now.AddMinutes(10));
        (await MeStatus(token)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        var token = Sign(RealKey, "ziyad-user", ClaimsOf(user), now.AddHours(-2), now.AddMinutes(-5));
        (await MeStatus(token)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Expiry_is_exact_while_not_before_tolerates_a_little_clock_difference()
    {
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        // Seconds past exp: refused, as its socket is closed at exp and its revocation is forgotten at exp.
        (await MeStatus(Sign(RealKey, "ziyad-user", ClaimsOf(user), now.AddHours(-1), now.AddSeconds(-5)))).Should().Be(HttpStatusCode.Unauthorized);
        // Made by a node whose clock is a few seconds ahead: accepted.
        (await MeStatus(Sign(RealKey, "ziyad-user", ClaimsOf(user), now.AddSeconds(5), now.AddHours(1)))).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_admin_audience_token_is_not_a_user_token()
    {
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        var token = Sign(RealKey, "ziyad-admin", ClaimsOf(user), now.AddMinutes(-1), now.AddMinutes(10));
        (await MeStatus(token)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_from_another_issuer_or_without_its_claims_is_refused()
    {
        var user = await _host.CreateUserAsync();
        var now = DateTime.UtcNow;
        (await MeStatus(Sign(RealKey, "ziyad-user", ClaimsOf(user), now.AddMinutes(-1), now.AddMinutes(10), issuer: "someone-else")))
            .Should().Be(HttpStatusCode.Unauthorized);

        foreach (var missing in new[] { "sub", "tv", "jti" })
        {
            var claims = ClaimsOf(user);
            claims.Remove(missing);
            (await MeStatus(Sign(RealKey, "ziyad-user", claims, now.AddMinutes(-1), now.AddMinutes(10)))).Should().Be(HttpStatusCode.Unauthorized, missing);
        }

        // A version the user never reached.
        (await MeStatus(Sign(RealKey, "ziyad-user", ClaimsOf(user, version: 2), now.AddMinutes(-1), now.AddMinutes(10))))
            .Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Tampered_unsigned_and_garbage_tokens_are_refused()
    {
        var user = await _host.CreateUserAsync();
        var parts = user.Token.Split('.');
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(parts[1])).RootElement;
        var changed = payload.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        changed["role"] = "admin";
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(changed))}.{parts[2]}";
        var unsigned = $"{Base64UrlEncoder.Encode("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{parts[1]}.";

        (await MeStatus(tampered)).Should().Be(HttpStatusCode.Unauthorized);
        (await MeStatus(unsigned)).Should().Be(HttpStatusCode.Unauthorized);
        (await MeStatus("garbage")).Should().Be(HttpStatusCode.Unauthorized);
        (await MeStatus(new string('a', 5000))).Should().Be(HttpStatusCode.Unauthorized);
        (await MeStatus(user.Token + "x")).Should().Be(HttpStatusCode.Unauthorized);

        using var basic = new HttpClient { BaseAddress = _host.Url(ModuleNames.Auth) };
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Username}:{user.Password}")));
        (await basic.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_password_reset_ends_every_session_and_the_temporary_password_works_once_given()
    {
        var user = await _host.CreateUserAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        var temporary = await sender.Send(new ResetUserPassword(user.Id, "admin-1"));

        temporary.Length.Should().BeGreaterThanOrEqualTo(12);
        (await MeStatus(user.Token)).Should().Be(HttpStatusCode.Unauthorized);
        (await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password }))
            .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await MeStatus(await _host.LoginAsync(user.Username, temporary))).Should().Be(HttpStatusCode.OK);
        (await sender.Send(new ResetUserPassword(user.Id, "admin-1"))).Should().NotBe(temporary);
    }

    [Fact]
    public async Task Deactivation_ends_sessions_and_blocks_login_until_reactivated()
    {
        var user = await _host.CreateUserAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        var updated = await sender.Send(new UpdateUser(user.Id, null, null, null, IsActive: false, "admin-1"));

        updated.IsActive.Should().BeFalse();
        (await MeStatus(user.Token)).Should().Be(HttpStatusCode.Unauthorized);
        var login = await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
        login.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        await sender.Send(new UpdateUser(user.Id, null, null, null, IsActive: true, "admin-1"));
        (await MeStatus(user.Token)).Should().Be(HttpStatusCode.Unauthorized, "reactivation does not revive old tokens");
        (await MeStatus(await _host.LoginAsync(user.Username, user.Password))).Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Name_and_role_changes_keep_sessions_and_the_next_login_carries_the_new_role()
    {
        var user = await _host.CreateUserAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        await sender.Send(new UpdateUser(user.Id, "New Name", "lead", null, null, "admin-1"));

        (await MeStatus(user.Token)).Should().Be(HttpStatusCode.OK);
        using var client = _host.Client(ModuleNames.Auth, user.Token);
        var me = await client.GetFromJsonAsync<JsonElement>("/me");
        me.GetProperty("role").GetString().Should().Be("lead", "the profile reads the current role, not the token's");
        me.GetProperty("full_name").GetString().Should().Be("New Name");
        var login = await _host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
        (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString().Should().Be("lead");
    }

    [Fact]
    public async Task Deleting_a_user_ends_their_tokens_and_frees_the_name()
    {
        var user = await _host.CreateUserAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();

        await sender.Send(new DeleteUser(user.Id, "admin-1"));

        (await MeStatus(user.Token)).Should().Be(HttpStatusCode.Unauthorized);
        (await sender.Send(new GetUser(user.Id))).Should().BeNull();
        var again = await _host.CreateUserAsync(user.Username);
        again.Id.Should().NotBe(user.Id);
        var act = async () => await sender.Send(new DeleteUser(user.Id, "admin-1"));
        (await act.Should().ThrowAsync<ZiyadMessenger.Modules.Contracts.Errors.AppException>()).Which.Status.Should().Be(404);
    }
}
