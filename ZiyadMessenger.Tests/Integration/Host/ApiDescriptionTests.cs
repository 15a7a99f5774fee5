using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

/// <summary><c>GET /openapi.json</c> and <c>GET /docs</c> on every port, each describing its own module.</summary>
public sealed partial class ApiDescriptionTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private static readonly string[] OperationKeys = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private TestHost Host => fixture.Host;

    [Fact]
    public async Task Every_mapped_endpoint_is_in_its_own_modules_document_and_in_no_other()
    {
        var expected = ModuleNames.All.ToDictionary(m => m, _ => new SortedSet<string>(StringComparer.Ordinal));
        var leftOut = new List<string>();
        var endpoints = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        endpoints.Should().HaveCountGreaterThan(40);
        foreach (var endpoint in endpoints)
        {
            var module = endpoint.Metadata.GetMetadata<ModuleEndpointMetadata>()?.Module;
            var path = DocumentPath(endpoint.RoutePattern.RawText!);
            module.Should().NotBeNull($"{path} must belong to a module to answer on any port");
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                leftOut.Add($"{module} {path}");
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            methods.Should().NotBeNullOrEmpty($"{module} {path} must name its methods to be described");
            foreach (var method in methods!)
            {
                expected[module!].Add($"{method} {path}");
            }
        }

        // Only the description itself, its reference page, the dashboard's own files and the web client's
        // (its page, its assets and the settings it reads on load) are left out.
        leftOut.Should().OnlyContain(e => e.EndsWith(" /openapi.json", StringComparison.Ordinal)
            || e.Contains(" /docs", StringComparison.Ordinal)
            || e == "Admin /" || e.StartsWith("Admin /assets/", StringComparison.Ordinal)
            || e == "Messaging /" || e.StartsWith("Messaging /assets/", StringComparison.Ordinal) || e == "Messaging /client-config");
        leftOut.Count(e => e.EndsWith(" /openapi.json", StringComparison.Ordinal)).Should().Be(ModuleNames.All.Count);

        foreach (var module in ModuleNames.All)
        {
            var document = await DocumentAsync(module);
            var described = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var path in document.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(o => OperationKeys.Contains(o.Name)))
                {
                    described.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                }
            }

            expected[module].Should().NotBeEmpty();
            described.Should().BeEquivalentTo(expected[module], $"the {module} document describes exactly the {module} endpoints");
        }
    }

    [Fact]
    public async Task Each_document_is_OpenAPI_3_1_with_its_token_scheme_and_the_problem_shape()
    {
        foreach (var module in ModuleNames.All)
        {
            var document = await DocumentAsync(module);
            document.GetProperty("openapi").GetString().Should().StartWith("3.1");
            document.GetProperty("info").GetProperty("title").GetString().Should().Contain(module);

            var schemas = document.GetProperty("components").GetProperty("schemas");
            schemas.GetProperty("Problem").GetProperty("properties").TryGetProperty("error", out _).Should().BeTrue();
            schemas.GetProperty("ValidationProblem").GetProperty("properties").TryGetProperty("errors", out _).Should().BeTrue();

            var schemes = document.GetProperty("components").GetProperty("securitySchemes");
            // Cluster's only token is an admin's, which may add a node.
            var scheme = schemes.GetProperty(module is ModuleNames.Admin or ModuleNames.Cluster ? "admin_token" : "user_token");
            scheme.GetProperty("type").GetString().Should().Be("http");
            scheme.GetProperty("scheme").GetString().Should().Be("bearer");

            // Every error answer of every operation is problem+json in the contract's shape.
            foreach (var path in document.GetProperty("paths").EnumerateObject())
            {
                foreach (var operation in path.Value.EnumerateObject().Where(o => OperationKeys.Contains(o.Name)))
                {
                    var responses = operation.Value.GetProperty("responses");
                    responses.TryGetProperty("429", out _).Should().BeTrue($"{module} {path.Name} is rate limited like every endpoint");
                    foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                    {
                        var reference = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                        reference.Should().BeOneOf("#/components/schemas/Problem", "#/components/schemas/ValidationProblem");
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Operations_name_the_tokens_they_accept()
    {
        var auth = await DocumentAsync(ModuleNames.Auth);
        Security(auth, "/me", "get").Should().Equal("user_token");
        Security(auth, "/login", "post").Should().BeEmpty();
        auth.GetProperty("paths").GetProperty("/login").GetProperty("post").GetProperty("operationId").GetString().Should().Be("LogIn");
        auth.GetProperty("paths").GetProperty("/login").GetProperty("post").GetProperty("summary").GetString().Should().NotBeNullOrWhiteSpace();
        auth.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("admin_token", out _).Should().BeFalse("Auth takes no admin token");

        var audit = await DocumentAsync(ModuleNames.Audit);
        Security(audit, "/log", "get").Should().Equal("admin_token");
        Security(audit, "/log", "post").Should().BeEquivalentTo("user_token", "admin_token");
        audit.GetProperty("paths").GetProperty("/log").GetProperty("get").GetProperty("responses").TryGetProperty("401", out _).Should().BeTrue();

        var files = await DocumentAsync(ModuleNames.Files);
        var upload = files.GetProperty("paths").GetProperty("/upload").GetProperty("post");
        upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema")
            .GetProperty("properties").GetProperty("file").GetProperty("format").GetString().Should().Be("binary");
        upload.GetProperty("responses").TryGetProperty("201", out _).Should().BeTrue();

        var register = auth.GetProperty("paths").GetProperty("/register").GetProperty("post");
        var body = register.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        var bodySchema = auth.GetProperty("components").GetProperty("schemas").GetProperty(body.Split('/').Last());
        bodySchema.GetProperty("properties").TryGetProperty("full_name", out _).Should().BeTrue("bodies are described with the wire's snake_case names");
        register.GetProperty("responses").TryGetProperty("409", out _).Should().BeTrue();

        var join = (await DocumentAsync(ModuleNames.Cluster)).GetProperty("paths").GetProperty("/join").GetProperty("post");
        join.GetProperty("security").EnumerateArray().Select(r => string.Join(",", r.EnumerateObject().Select(p => p.Name)))
            .Should().BeEquivalentTo(["admin_token", ""], "an admin token is one way in, the join secret header the other");
        join.GetProperty("parameters").EnumerateArray().Should().Contain(p => p.GetProperty("name").GetString() == "X-Cluster-Join-Secret");

        var health = (await DocumentAsync(ModuleNames.Presence)).GetProperty("paths").GetProperty("/health").GetProperty("get");
        health.TryGetProperty("security", out _).Should().BeFalse("health needs no token");
        health.GetProperty("responses").TryGetProperty("503", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Docs_serve_the_reference_page_and_its_scripts_from_the_server_itself()
    {
        foreach (var module in ModuleNames.All)
        {
            var client = Host.Client(module);
            // /docs redirects to /docs/, which the client follows.
            var page = await client.GetAsync("/docs");
            page.StatusCode.Should().Be(HttpStatusCode.OK);
            page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
            var html = await page.Content.ReadAsStringAsync();
            html.Should().Contain("\"url\":\"openapi.json\"").And.Contain("scalar.js").And.Contain("\"withDefaultFonts\":false");
            HttpUrl().Matches(html).Select(m => m.Value).Should().BeEmpty("the page loads nothing from another server");

            var script = await client.GetAsync("/docs/scalar.js");
            script.StatusCode.Should().Be(HttpStatusCode.OK);
            (await script.Content.ReadAsByteArrayAsync()).Length.Should().BeGreaterThan(100_000);
        }
    }

    [Fact]
    public async Task The_description_answers_only_on_ports_and_needs_no_token()
    {
        var response = await Host.Client(ModuleNames.Messaging).GetAsync("/openapi.json");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var messaging = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        messaging.GetProperty("paths").TryGetProperty("/send", out _).Should().BeTrue();
        messaging.GetProperty("paths").TryGetProperty("/login", out _).Should().BeFalse();
        (await DocumentAsync(ModuleNames.Cluster)).GetProperty("paths").TryGetProperty("/send", out _).Should().BeFalse();
    }

    private async Task<JsonElement> DocumentAsync(string module)
    {
        var response = await Host.Client(module).GetAsync("/openapi.json");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static List<string> Security(JsonElement document, string path, string method)
    {
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        return operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList()
            : [];
    }

    /// <summary>A route pattern as OpenAPI writes it: parameters without constraints, defaults or catch-all marks.</summary>
    private static string DocumentPath(string pattern)
    {
        var path = RouteParameter().Replace(pattern, m => "{" + m.Groups["name"].Value + "}");
        path = path.StartsWith('/') ? path : "/" + path;
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{\**(?<name>[A-Za-z_][A-Za-z0-9_]*)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex(@"(src|href)\s*=\s*[""']?(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex HttpUrl();
}
