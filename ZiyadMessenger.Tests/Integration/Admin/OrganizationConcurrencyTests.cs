using System.Net;
using System.Net.Http.Json;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Admin;

/// <summary>
/// A valid update of a role or department that another request deletes at the same moment: the update
/// read the row, the delete removed it, and the update's write then touched no row. That is a 404 (the
/// row is gone) or a 200 (the update won), never a 500.
/// </summary>
public sealed class OrganizationConcurrencyTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static readonly HttpStatusCode[] Acceptable =
        [HttpStatusCode.OK, HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.Conflict];

    private readonly TestHost _host = fixture.Host;

    [Theory]
    [InlineData("/admin/roles")]
    [InlineData("/admin/departments")]
    public async Task A_row_updated_and_deleted_at_once_answers_200_404_or_409_never_500(string resource)
    {
        var admin = await _host.AdminClientAsync();
        var statuses = new List<(string Request, HttpStatusCode Status, string Body)>();
        for (var round = 0; round < 25; round++)
        {
            var name = $"race{round}x{Guid.NewGuid().ToString("N")[..6]}";
            var created = await (await admin.PostAsJsonAsync(resource, new { name, description = "before" })).JsonAsync(HttpStatusCode.Created);
            var id = created.Str("id");

            // Several valid updates, a bad body and a delete of the same row, all in flight together.
            var requests = new List<(string Label, Task<HttpResponseMessage> Call)>();
            for (var i = 0; i < 3; i++)
            {
                requests.Add(("PUT valid", admin.PutAsJsonAsync($"{resource}/{id}", new { description = $"update {i}" })));
            }

            requests.Add(("PUT rename", admin.PutAsJsonAsync($"{resource}/{id}", new { name = name + "r" })));
            requests.Add(("PUT bad", admin.PutAsJsonAsync($"{resource}/{id}", new { name = 42 })));
            requests.Add(("DELETE", admin.DeleteAsync($"{resource}/{id}")));
            foreach (var (label, call) in requests)
            {
                using var response = await call;
                statuses.Add((label, response.StatusCode, await response.Content.ReadAsStringAsync()));
            }

            (await admin.GetAsync($"{resource}")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        statuses.Where(s => s.Request != "PUT bad").Should().OnlyContain(s => Acceptable.Contains(s.Status),
            "a concurrent delete makes an update a 404, not a 500: " +
            string.Join("; ", statuses.Where(s => !Acceptable.Contains(s.Status)).Take(3).Select(s => $"{s.Request} {(int)s.Status} {s.Body}")));
        statuses.Where(s => s.Request == "PUT bad").Should().OnlyContain(s => s.Status == HttpStatusCode.BadRequest || s.Status == HttpStatusCode.NotFound);
        statuses.Where(s => s.Request == "DELETE").Should().OnlyContain(s => s.Status == HttpStatusCode.NoContent);
    }
}
