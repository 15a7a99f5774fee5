using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>Which module owns which listener, by the local port the connection arrived on.</summary>
internal sealed class ModulePortMap(ServerSettings settings)
{
    private readonly Dictionary<int, string> _byPort = settings.Ports.ToDictionary(p => p.Value, p => p.Key);

    public string? ModuleFor(HttpContext context) =>
        _byPort.TryGetValue(context.Connection.LocalPort, out var module) ? module : null;

    public int PortOf(string module) => settings.Ports[module];
}

/// <summary>
/// Keeps every module behind its own listener. Runs inside routing, so that two modules may share a path
/// (<c>/health</c>, <c>/status</c>): candidates whose module is not the connection's listener are
/// discarded, and a path of another module is a plain 404. The Host header plays no part.
/// </summary>
internal sealed class ModuleListenerMatcherPolicy(ModulePortMap ports) : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) => endpoints.Count > 0;

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var module = ports.ModuleFor(httpContext);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            var owner = candidates[i].Endpoint.Metadata.GetMetadata<ModuleEndpointMetadata>();
            if (owner is null || !string.Equals(owner.Module, module, StringComparison.Ordinal))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
