using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// The API description of every port: one OpenAPI 3.1 document per module, generated from the
/// endpoints themselves and chosen by the same <see cref="ModuleEndpointMetadata"/> that routes them to
/// their listener, served as <c>GET /openapi.json</c>, and an interactive reference of it at
/// <c>GET /docs</c> whose scripts come from the program itself (no CDN, no web fonts, no telemetry).
/// Documents are made on the first request for them, never at start-up, and kept: endpoints do not
/// change while the server runs.
/// </summary>
internal static class ApiDescription
{
    public const string DocumentPath = "/openapi.json";
    public const string ReferencePath = "/docs";

    /// <summary>Security scheme names in the documents.</summary>
    public const string UserScheme = "user_token";
    public const string AdminScheme = "admin_token";

    public const string ProblemSchema = "Problem";
    public const string ValidationProblemSchema = "ValidationProblem";

    public static string DocumentName(string module) => module.ToLowerInvariant();

    public static IServiceCollection AddModuleApiDescriptions(this IServiceCollection services, IEnumerable<string> modules)
    {
        foreach (var module in modules)
        {
            services.AddOpenApi(DocumentName(module), options =>
            {
                options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
                options.ShouldInclude = description => ModuleOf(description.ActionDescriptor.EndpointMetadata) == module;
                options.AddDocumentTransformer(new ModuleDocumentTransformer(module));
                options.AddOperationTransformer(new ContractOperationTransformer());
            });
        }

        services.AddSingleton<ApiDocumentCache>();
        return services;
    }

    /// <summary>Maps <c>/openapi.json</c> and <c>/docs</c> into a module's route group, so each port describes itself.</summary>
    public static void MapApiDescription(this IEndpointRouteBuilder group, string module)
    {
        group.MapGet(DocumentPath, async (HttpContext http, ApiDocumentCache documents) =>
            {
                var json = await documents.GetAsync(module, http.RequestServices);
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(json, "application/json; charset=utf-8");
            })
            .AllowAnonymous()
            .ExcludeFromDescription();

        group.MapScalarApiReference(ReferencePath, options => options
                .WithTitle($"Ziyad Messenger — {module} API")
                .WithOpenApiRoutePattern(DocumentPath)
                .AddDocument(DocumentName(module), $"{module} API", DocumentPath)
                // Offline on a LAN: no fonts from Scalar's servers, no telemetry, no hosted AI agent or MCP.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp()
                .AddPreferredSecuritySchemes(module == ModuleNames.Admin ? AdminScheme : UserScheme))
            .AllowAnonymous();
    }

    internal static string? ModuleOf(IList<object> metadata) => metadata.OfType<ModuleEndpointMetadata>().LastOrDefault()?.Module;

    /// <summary>Which tokens an endpoint accepts, from its authorization metadata.</summary>
    internal static IReadOnlyList<string> SchemesOf(IList<object> metadata)
    {
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            return metadata.OfType<AcceptsAdminTokenMetadata>().Any() ? [AdminScheme] : [];
        }

        var schemes = new List<string>();
        foreach (var data in metadata.OfType<IAuthorizeData>())
        {
            var accepts = data.Policy switch
            {
                AuthPolicies.User => [UserScheme],
                AuthPolicies.AnyAccount => [UserScheme, AdminScheme],
                null when data.AuthenticationSchemes is { } names => names.Split(',', StringSplitOptions.TrimEntries)
                    .Select(n => n == AuthSchemes.User ? UserScheme : AdminScheme).ToArray(),
                // Admin, SuperAdmin and the admin permission policies.
                _ => new[] { AdminScheme },
            };
            foreach (var scheme in accepts)
            {
                if (!schemes.Contains(scheme))
                {
                    schemes.Add(scheme);
                }
            }
        }

        return schemes;
    }

    /// <summary>The serialized documents, made once per module on the first request.</summary>
    internal sealed class ApiDocumentCache
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> _documents = new(StringComparer.Ordinal);

        public Task<byte[]> GetAsync(string module, IServiceProvider services) =>
            _documents.GetOrAdd(module, m => new Lazy<Task<byte[]>>(() => GenerateAsync(m, services))).Value;

        private static async Task<byte[]> GenerateAsync(string module, IServiceProvider services)
        {
            var provider = services.GetRequiredKeyedService<IOpenApiDocumentProvider>(DocumentName(module));
            var document = await provider.GetOpenApiDocumentAsync(CancellationToken.None);
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            document.SerializeAsV31(new OpenApiJsonWriter(text));
            return Encoding.UTF8.GetBytes(text.ToString());
        }
    }

    /// <summary>
    /// The document's title and description, the token schemes its operations use, and the contract's
    /// error shape as shared components.
    /// </summary>
    private sealed class ModuleDocumentTransformer(string module) : IOpenApiDocumentTransformer
    {
        public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            document.Info = new OpenApiInfo
            {
                Title = $"Ziyad Messenger — {module}",
                Version = typeof(ApiDescription).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
                Description = $"The {module} module's endpoints, served on its own port. JSON in and out with snake_case names; " +
                    "errors are application/problem+json with a human-readable `error` (and `errors`, field → messages, for invalid fields).",
            };

            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            document.Components.Schemas[ProblemSchema] = Problem(withErrors: false);
            document.Components.Schemas[ValidationProblemSchema] = Problem(withErrors: true);

            var used = context.DescriptionGroups.SelectMany(g => g.Items)
                .Where(d => ModuleOf(d.ActionDescriptor.EndpointMetadata) == module)
                .SelectMany(d => SchemesOf(d.ActionDescriptor.EndpointMetadata))
                .ToHashSet(StringComparer.Ordinal);
            if (used.Count > 0)
            {
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                if (used.Contains(UserScheme))
                {
                    document.Components.SecuritySchemes[UserScheme] = Bearer(
                        "A user token from Auth's `POST /login` (port 8086 by default). `?token=` works too, for WebSockets.");
                }

                if (used.Contains(AdminScheme))
                {
                    document.Components.SecuritySchemes[AdminScheme] = Bearer(
                        "An admin token from `POST /admin/login` on the Admin port (8090 by default). User tokens are not accepted in its place.");
                }
            }

            return Task.CompletedTask;
        }

        private static OpenApiSecurityScheme Bearer(string description) => new()
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = description,
        };

        private static OpenApiSchema Problem(bool withErrors)
        {
            var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["type"] = Text("A URI naming the kind of problem."),
                ["title"] = Text("A short summary of the kind of problem."),
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
                ["detail"] = Text("What went wrong with this request."),
                ["error"] = Text("What went wrong, in a sentence for people (the same as `detail`)."),
                ["request_id"] = Text("The request's id (X-Request-ID), which names it in the server's logs."),
            };
            if (withErrors)
            {
                properties["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "For invalid fields: each field's name (snake_case) and its problems.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
            }

            return new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = withErrors
                    ? "A problem with the request's fields: `errors` names each invalid field."
                    : "A problem answer (RFC 9457) with the contract's `error` member.",
                Properties = properties,
                Required = new HashSet<string>(StringComparer.Ordinal) { "status", "error" },
            };
        }

        private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
    }

    /// <summary>
    /// Gives every operation the answers the whole server may give (401/403 where a token is needed, 400
    /// for bad input, 413 and 415 for bodies, 429 for rate limits) in the contract's problem shape, and
    /// the security requirement of the tokens it accepts.
    /// </summary>
    private sealed class ContractOperationTransformer : IOpenApiOperationTransformer
    {
        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var document = context.Document;
            operation.Responses ??= new OpenApiResponses();

            var schemes = SchemesOf(metadata);
            if (schemes.Count > 0)
            {
                operation.Security ??= new List<OpenApiSecurityRequirement>();
                foreach (var scheme in schemes)
                {
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] });
                }

                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    // The token is one way in, not the only one.
                    operation.Security.Add(new OpenApiSecurityRequirement());
                }

                Add(operation, "401", "No token, or one that is invalid, expired or revoked.", document);
                Add(operation, "403", "The token is valid but its account may not do this.", document);
            }

            if (metadata.OfType<MultipartFileBodyMetadata>().LastOrDefault() is { } upload)
            {
                operation.RequestBody = MultipartBody(upload);
            }

            var hasBody = operation.RequestBody is not null;
            if (hasBody || operation.Parameters is { Count: > 0 })
            {
                Add(operation, "400", "Invalid input: `errors` names each invalid field where there are any.", document);
            }

            if (hasBody)
            {
                Add(operation, "413", "The request body is larger than this endpoint accepts.", document);
                Add(operation, "415", "The body is not in a content type this endpoint reads.", document);
            }

            Add(operation, "429", "Too many requests from this address (or failed logins for this name); `Retry-After` says when to retry.", document);

            // Every error answer, including those an endpoint declares itself, has the contract's shape.
            foreach (var (status, response) in operation.Responses)
            {
                if (status.Length == 3 && status[0] is '4' or '5' && response is OpenApiResponse concrete)
                {
                    concrete.Content = ProblemContent(status == "400" ? ValidationProblemSchema : ProblemSchema, document);
                }
            }

            return Task.CompletedTask;
        }

        private static OpenApiRequestBody MultipartBody(MultipartFileBodyMetadata upload) => new()
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["multipart/form-data"] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string>(StringComparer.Ordinal) { upload.FieldName },
                        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                        {
                            [upload.FieldName] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = upload.Description },
                        },
                    },
                },
            },
        };

        private static void Add(OpenApiOperation operation, string status, string description, OpenApiDocument? document)
        {
            if (!operation.Responses!.ContainsKey(status))
            {
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = description,
                    Content = ProblemContent(status == "400" ? ValidationProblemSchema : ProblemSchema, document),
                };
            }
        }

        private static Dictionary<string, OpenApiMediaType> ProblemContent(string schema, OpenApiDocument? document) => new(StringComparer.Ordinal)
        {
            ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schema, document) },
        };
    }
}
