using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>POST /log, GET /log and their rules, through HTTP on the Audit port.</summary>
public abstract class AuditLogApiBehaviour(StoreHostFixture fixture)
{
    /// <summary>Skips the test (with the reason) when the fixture's store is not available here.</summary>
    private TestHost Server => fixture.Require();

    [SkippableFact]
    public async Task A_user_records_an_entry_as_themselves_and_gets_its_place_in_the_chain()
    {
        var user = await Server.CreateUserAsync();
        var action = Unique("client");

        var entry = await RecordAsync(Server, user.Token, new { actor_id = user.Id, action, target_resource = "doc:42", details = "opened the report" });

        entry.GetProperty("id").GetInt64().Should().BePositive();
        entry.GetProperty("actor_id").GetString().Should().Be(user.Id);
        entry.GetProperty("action").GetString().Should().Be(action);
        entry.GetProperty("target_resource").GetString().Should().Be("doc:42");
        entry.GetProperty("details").GetString().Should().Be("opened the report");
        entry.GetProperty("hash").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        entry.GetProperty("prev_hash").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        entry.GetProperty("timestamp").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        // Acknowledged only after commit: the admin sees it at once, exactly as returned.
        var admin = await Server.AdminTokenAsync();
        var page = await QueryAsync(Server, admin, $"?action={action}");
        var stored = page.GetProperty("entries").EnumerateArray().Single();
        stored.GetProperty("id").GetInt64().Should().Be(entry.GetProperty("id").GetInt64());
        stored.GetProperty("hash").GetString().Should().Be(entry.GetProperty("hash").GetString());
    }

    [SkippableFact]
    public async Task Without_actor_id_the_actor_is_the_caller()
    {
        var user = await Server.CreateUserAsync();
        var entry = await RecordAsync(Server, user.Token, new { action = Unique("client") });

        entry.GetProperty("actor_id").GetString().Should().Be(user.Id);
        entry.GetProperty("target_resource").GetString().Should().BeEmpty();
        entry.GetProperty("details").GetString().Should().BeEmpty();
    }

    [SkippableFact]
    public async Task A_user_cannot_record_as_someone_else_and_nothing_is_stored()
    {
        var user = await Server.CreateUserAsync();
        var victim = await Server.CreateUserAsync();
        var action = Unique("forged");
        using var client = Server.Client(ModuleNames.Audit, user.Token);

        var response = await client.PostAsJsonAsync("/log", new { actor_id = victim.Id, action, details = "not me" });

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Contain("yourself");
        var admin = await Server.AdminTokenAsync();
        (await QueryAsync(Server, admin, $"?action={action}")).GetProperty("total").GetInt64().Should().Be(0);
    }

    [SkippableFact]
    public async Task An_admin_records_as_themselves_by_default_or_on_behalf_of_a_named_actor()
    {
        var admin = await Server.AdminTokenAsync();
        var user = await Server.CreateUserAsync();

        var own = await RecordAsync(Server, admin, new { action = Unique("ops") });
        var onBehalf = await RecordAsync(Server, admin, new { actor_id = user.Id, action = Unique("ops") });

        own.GetProperty("actor_id").GetString().Should().NotBeNullOrEmpty().And.NotBe(user.Id);
        onBehalf.GetProperty("actor_id").GetString().Should().Be(user.Id);
    }

    [SkippableFact]
    public async Task Recording_needs_a_valid_token()
    {
        var anonymous = await Server.Client(ModuleNames.Audit).PostAsJsonAsync("/log", new { action = "client.test" });
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        using var forged = Server.Client(ModuleNames.Audit, "not-a-token");
        (await forged.PostAsJsonAsync("/log", new { action = "client.test" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var user = await Server.CreateUserAsync();
        using (var auth = Server.Client(ModuleNames.Auth, user.Token))
        {
            (await auth.PostAsync("/logout", null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        }

        using var loggedOut = Server.Client(ModuleNames.Audit, user.Token);
        (await loggedOut.PostAsJsonAsync("/log", new { action = "client.test" })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { """{"target_resource":"x"}""", "action" },
        { """{"action":""}""", "action" },
        { """{"action":"a"}""", "action" },
        { "{\"action\":\"" + new string('a', 65) + "\"}", "action" },
        { """{"action":"has space"}""", "action" },
        { """{"action":"slash/es"}""", "action" },
        { """{"action":"ação"}""", "action" },
        { """{"action":"drop;table"}""", "action" },
        { """{"action":"auth.login"}""", "action" },
        { """{"action":"ADMIN.user_deleted"}""", "action" },
        // A pin is recorded by the server: a client may not write one that looks the same.
        { """{"action":"message.pinned","target_resource":"message:abc"}""", "action" },
        { """{"action":"Message.Unpinned"}""", "action" },
        { "{\"action\":\"client.ok\",\"target_resource\":\"" + new string('t', 129) + "\"}", "target_resource" },
        { "{\"action\":\"client.ok\",\"details\":\"" + new string('d', 4097) + "\"}", "details" },
    };

    [SkippableTheory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_fields_are_400_naming_the_field(string body, string field)
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Client(ModuleNames.Audit, user.Token);

        var response = await client.PostAsync("/log", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue(problem.ToString());
    }

    public static TheoryData<string, string?> MalformedBodies() => new()
    {
        { "", "application/json" },
        { "not json", "application/json" },
        { """{"action": 5}""", "application/json" },
        { """{"action": "client.ok", "target_resource": {"a": 1}}""", "application/json" },
        { """["client.ok"]""", "application/json" },
    };

    [SkippableTheory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_bodies_are_a_clear_4xx_never_a_500(string body, string? contentType)
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Client(ModuleNames.Audit, user.Token);

        var response = await client.PostAsync("/log", new StringContent(body, Encoding.UTF8, contentType!));

        ((int)response.StatusCode).Should().BeOneOf(400, 415);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [SkippableFact]
    public async Task A_body_that_is_not_json_by_content_type_is_refused_with_a_problem()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Client(ModuleNames.Audit, user.Token);

        var response = await client.PostAsync("/log", new StringContent("""{"action": "client.ok"}""", Encoding.UTF8, "text/plain"));

        // The Host's listener routing turns routing's 415 into a 404 (see docs/audit.md); either way a problem, never a 500.
        ((int)response.StatusCode).Should().BeInRange(400, 499);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [SkippableFact]
    public async Task A_body_far_over_the_limit_is_413()
    {
        var user = await Server.CreateUserAsync();
        using var client = Server.Client(ModuleNames.Audit, user.Token);
        var body = "{\"action\":\"client.big\",\"details\":\"" + new string('x', 200_000) + "\"}";

        var response = await client.PostAsync("/log", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [SkippableFact]
    public async Task Values_at_the_limits_are_accepted()
    {
        var user = await Server.CreateUserAsync();
        var longAction = "c" + Guid.NewGuid().ToString("N") + new string('x', 31); // 64 characters

        var shortest = await RecordAsync(Server, user.Token, new { action = "ab" });
        var longest = await RecordAsync(Server, user.Token, new
        {
            action = longAction,
            target_resource = new string('t', 128),
            details = new string('d', 4096),
        });

        shortest.GetProperty("action").GetString().Should().Be("ab");
        longest.GetProperty("action").GetString().Should().Be(longAction);
        longest.GetProperty("target_resource").GetString().Should().HaveLength(128);
        longest.GetProperty("details").GetString().Should().HaveLength(4096);
        var punctuation = await RecordAsync(Server, user.Token, new { action = "Client_1.x:y-z" });
        punctuation.GetProperty("action").GetString().Should().Be("Client_1.x:y-z");
    }

    [SkippableFact]
    public async Task Awkward_text_is_stored_as_sent_and_keeps_the_chain_verifiable()
    {
        var user = await Server.CreateUserAsync();
        var details = "line one\nline two\ttab \0 nul, emoji 🎉, Arabic زياد, quote \" backslash \\";

        var entry = await RecordAsync(Server, user.Token, new { action = Unique("client"), target_resource = "file:ü/..\\x", details });

        // PostgreSQL text has no NUL: there it is kept (and hashed) as U+FFFD (docs/audit.md); everything else is as sent.
        if (fixture.Kind == StoreKind.Postgres)
        {
            details = details.Replace('\0', '\uFFFD');
        }

        entry.GetProperty("details").GetString().Should().Be(details);
        var admin = await Server.AdminTokenAsync();
        var stored = (await QueryAsync(Server, admin, $"?action={entry.GetProperty("action").GetString()}")).GetProperty("entries")[0];
        stored.GetProperty("details").GetString().Should().Be(details);
        stored.GetProperty("target_resource").GetString().Should().Be("file:ü/..\\x");
        (await VerifyAsync(Server, admin)).GetProperty("intact").GetBoolean().Should().BeTrue();
    }

    [SkippableFact]
    public async Task Details_given_as_a_json_value_are_kept_as_its_json_text()
    {
        var user = await Server.CreateUserAsync();

        var entry = await RecordAsync(Server, user.Token, new { action = Unique("client"), details = new { ip = "10.0.0.5", attempts = 3 } });

        JsonDocument.Parse(entry.GetProperty("details").GetString()!).RootElement.GetProperty("attempts").GetInt32().Should().Be(3);
    }

    [SkippableFact]
    public async Task Reading_the_log_needs_an_admin_token()
    {
        var user = await Server.CreateUserAsync();
        using var asUser = Server.Client(ModuleNames.Audit, user.Token);

        (await Server.Client(ModuleNames.Audit).GetAsync("/log")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Server.Client(ModuleNames.Audit).GetAsync("/log/verify")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var userRead = await asUser.GetAsync("/log");
        var userVerify = await asUser.GetAsync("/log/verify");
        // A user token is not an admin token: it does not authenticate here at all.
        userRead.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        userVerify.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        userRead.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [SkippableFact]
    public async Task Paging_walks_the_log_newest_first_without_gaps_or_repeats()
    {
        var user = await Server.CreateUserAsync();
        var action = Unique("page");
        var ids = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await RecordAsync(Server, user.Token, new { action, details = $"n{i}" })).GetProperty("id").GetInt64());
        }

        var admin = await Server.AdminTokenAsync();
        var seen = new List<long>();
        var offset = 0;
        var pages = 0;
        while (true)
        {
            var page = await QueryAsync(Server, admin, $"?action={action}&limit=3&offset={offset}");
            page.GetProperty("total").GetInt64().Should().Be(7);
            page.GetProperty("limit").GetInt32().Should().Be(3);
            seen.AddRange(page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
            pages++;
            if (page.GetProperty("next_offset").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            offset = page.GetProperty("next_offset").GetInt32();
        }

        pages.Should().Be(3);
        seen.Should().Equal(ids.AsEnumerable().Reverse());
    }

    [SkippableFact]
    public async Task Filters_select_by_actor_action_prefix_and_time_range()
    {
        var alice = await Server.CreateUserAsync();
        var bob = await Server.CreateUserAsync();
        var prefix = Unique("filt");
        var first = await RecordAsync(Server, alice.Token, new { action = prefix + ".open" });
        await Task.Delay(30); // distinct millisecond timestamps for the range bounds
        var second = await RecordAsync(Server, bob.Token, new { action = prefix + ".open" });
        await Task.Delay(30);
        var third = await RecordAsync(Server, alice.Token, new { action = prefix + ".close" });
        var admin = await Server.AdminTokenAsync();

        async Task<long[]> Ids(string query) =>
            (await QueryAsync(Server, admin, query)).GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToArray();
        long Id(JsonElement e) => e.GetProperty("id").GetInt64();
        string Time(JsonElement e) => Uri.EscapeDataString(e.GetProperty("timestamp").GetDateTimeOffset().ToString("O"));

        (await Ids($"?action={prefix}.*")).Should().Equal(Id(third), Id(second), Id(first));
        (await Ids($"?action={prefix}.open")).Should().Equal(Id(second), Id(first));
        (await Ids($"?action={prefix}.*&actor={alice.Id}")).Should().Equal(Id(third), Id(first));
        (await Ids($"?action={prefix}.*&actor_id={bob.Id}")).Should().Equal(Id(second));
        (await Ids($"?action={prefix}.*&from={Time(second)}")).Should().Equal(Id(third), Id(second));
        (await Ids($"?action={prefix}.*&to={Time(second)}")).Should().Equal(Id(second), Id(first));
        (await Ids($"?action={prefix}.*&from={Time(second)}&to={Time(second)}")).Should().Equal(Id(second));
        var ms = second.GetProperty("timestamp").GetDateTimeOffset().ToUnixTimeMilliseconds();
        (await Ids($"?action={prefix}.*&from={ms}&to={ms}")).Should().Equal(Id(second));
        // The prefix is literal: '_' and case are not wildcards.
        (await Ids($"?action={prefix.ToUpperInvariant()}.*")).Should().BeEmpty();
    }

    public static TheoryData<string> BadQueries() => new()
    {
        "?limit=0",
        "?limit=501",
        "?limit=abc",
        "?offset=-1",
        "?offset=1.5",
        "?from=yesterday",
        "?from=2026-01-01T00:00:00",
        "?to=2026-13-01T00:00:00Z",
        "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "?actor=a&actor_id=b",
    };

    [SkippableTheory]
    [MemberData(nameof(BadQueries))]
    public async Task Bad_query_parameters_are_400(string query)
    {
        var admin = await Server.AdminTokenAsync();
        using var client = Server.Client(ModuleNames.Audit, admin);

        var response = await client.GetAsync("/log" + query);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
    }

    [SkippableFact]
    public async Task Audit_paths_are_not_served_on_other_ports()
    {
        (await Server.Client(ModuleNames.Messaging).GetAsync("/log")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Server.Client(ModuleNames.Cluster).GetAsync("/log/verify")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}

public sealed class AuditLogApiOnSqlite(SqliteHostFixture fixture) : AuditLogApiBehaviour(fixture), IClassFixture<SqliteHostFixture>;

public sealed class AuditLogApiOnPostgres(PostgresHostFixture fixture) : AuditLogApiBehaviour(fixture), IClassFixture<PostgresHostFixture>;
