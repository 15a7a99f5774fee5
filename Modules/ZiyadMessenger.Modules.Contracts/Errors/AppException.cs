namespace ZiyadMessenger.Modules.Contracts.Errors;

/// <summary>
/// A failure the caller can act on. The Host's exception handler turns it into
/// <c>application/problem+json</c> with the given status and the message as the <c>error</c> member.
/// </summary>
public class AppException(int status, string message, IReadOnlyDictionary<string, string[]>? errors = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
    /// <summary>Seconds the client should wait (sent as Retry-After), for 429 answers.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static AppException BadRequest(string message) => new(400, message);
    public static AppException Unauthorized(string message = "Authentication required.") => new(401, message);
    public static AppException Forbidden(string message = "You are not allowed to do that.") => new(403, message);
    public static AppException NotFound(string message = "Not found.") => new(404, message);
    public static AppException Conflict(string message) => new(409, message);
    public static AppException TooManyRequests(string message, int retryAfterSeconds) =>
        new(429, message) { RetryAfterSeconds = retryAfterSeconds };
    public static AppException Field(string field, string message) =>
        new(400, message, new Dictionary<string, string[]> { [field] = [message] });
}
