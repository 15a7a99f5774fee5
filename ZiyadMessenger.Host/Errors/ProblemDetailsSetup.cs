using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ZiyadMessenger.Host.Errors;

internal static class ProblemDetailsSetup
{
    /// <summary>Every problem answer carries <c>error</c> (a sentence for people) and the request id.</summary>
    public static IServiceCollection AddContractProblemDetails(this IServiceCollection services) =>
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            problem.Status = status;
            problem.Detail ??= DefaultMessage(status);
            problem.Extensions["error"] = problem.Detail;
            problem.Extensions["request_id"] = context.HttpContext.TraceIdentifier;
            problem.Extensions.Remove("traceId");
            problem.Instance = null;
        });

    private static string DefaultMessage(int status) => status switch
    {
        400 => "The request is invalid.",
        401 => "Authentication required: send a valid token.",
        403 => "You are not allowed to do that.",
        404 => "Not found.",
        405 => "This method is not allowed here.",
        409 => "That conflicts with something that already exists.",
        413 => "The request body is too large for this endpoint.",
        415 => "Unsupported content type.",
        429 => "Too many requests: slow down and retry later.",
        _ => "The request failed.",
    };
}
