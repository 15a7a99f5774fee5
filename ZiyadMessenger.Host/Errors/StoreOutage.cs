using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Host.Errors;

/// <summary>
/// A request that failed because the store could not be reached or did not answer in time: not the
/// client's fault and not a bug, so 503 with Retry-After (a load balancer or client tries again, or
/// another node), never a 500. Nothing was acknowledged: the handler's commit did not happen.
/// </summary>
internal static class StoreOutage
{
    public const int RetryAfterSeconds = 5;

    public const string Message = "The data store is not reachable right now, so nothing was changed. Try again in a few seconds.";

    public static bool Is(Exception exception) => StoreConnections.IsUnavailable(exception);
}
