using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ZiyadMessenger.Modules.Messaging;

/// <summary>
/// What every Messaging endpoint declares for its API description: a unique name (the operation id),
/// a one-line summary, and the error statuses it may answer with, all in the problem+json shape.
/// Success responses come from the endpoints' typed results.
/// </summary>
internal static class MessagingEndpoints
{
    /// <summary>Endpoint names are global to the host; the prefix keeps Messaging's apart from other modules'.</summary>
    public const string NamePrefix = "Messaging.";

    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder builder, string name, string summary, params int[] problems)
    {
        builder.WithName(NamePrefix + name).WithSummary(summary).WithTags("Messaging");
        foreach (var status in problems)
        {
            if (status == StatusCodes.Status400BadRequest)
            {
                builder.ProducesValidationProblem();
            }
            else
            {
                builder.ProducesProblem(status);
            }
        }

        // Every Messaging endpoint needs a token and is rate limited per client IP.
        return builder.ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
    }
}
