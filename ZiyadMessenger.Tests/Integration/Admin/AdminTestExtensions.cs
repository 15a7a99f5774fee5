using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

internal static class AdminTestExtensions
{
    public static async Task<HttpClient> AdminClientAsync(this TestHost host) =>
        host.Client(ModuleNames.Admin, await host.AdminTokenAsync());

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(expected, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.JsonAsync(expected);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        body.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        return body;
    }

    public static Task<HttpResponseMessage> PutAsJsonAsync<T>(this HttpClient client, string url, T body) =>
        HttpClientJsonExtensions.PutAsJsonAsync(client, url, body);

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    /// <summary>Creates an admin account with the given role and logs in as it.</summary>
    public static async Task<(string Id, string Token)> CreateAdminAsync(this TestHost host, HttpClient superAdmin, string role)
    {
        var username = $"{role.Replace("_", "")}{Guid.NewGuid().ToString("N")[..8]}";
        const string password = "Second-admin-pw-1";
        var created = await (await superAdmin.PostAsJsonAsync("/admin/admins", new { username, password, role })).JsonAsync(HttpStatusCode.Created);
        var login = await (await host.Client(ModuleNames.Admin).PostAsJsonAsync("/admin/login", new { username, password })).JsonAsync(HttpStatusCode.OK);
        return (created.Str("id"), login.Str("token"));
    }
}
