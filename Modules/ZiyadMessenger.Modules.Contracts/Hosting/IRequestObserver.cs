namespace ZiyadMessenger.Modules.Contracts.Hosting;

/// <summary>One finished HTTP request, as the access log saw it.</summary>
public sealed record RequestRecord(
    DateTimeOffset Timestamp,
    string RequestId,
    string Module,
    string Method,
    string? Route,
    string Path,
    int Status,
    double LatencyMs,
    string? ClientIp,
    string? UserId);

/// <summary>
/// Told about every finished request, after the response. Implementations must be cheap and must not
/// throw (Admin's endpoint metrics use it). Register as a singleton.
/// </summary>
public interface IRequestObserver
{
    void OnRequestCompleted(RequestRecord record);
}
