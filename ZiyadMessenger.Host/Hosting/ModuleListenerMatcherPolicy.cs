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
/// Keeps every module behind its own listener. It is a branch of the routing tree itself, taken before
/// the HTTP-method and content-type branches: two modules may share a path (<c>/health</c>,
/// <c>/status</c>), a path of another module is a plain 404, and a 405 or 415 only ever describes the
/// endpoints of the connection's own module. The Host header plays no part.
/// </summary>
internal sealed class ModuleListenerMatcherPolicy(ModulePortMap ports) : MatcherPolicy, INodeBuilderPolicy
{
    // Before HttpMethodMatcherPolicy (-1000) and the Accepts policy, so their rejections are per module.
    public override int Order => int.MinValue;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ModuleEndpointMetadata>() is not null);

    public IReadOnlyList<PolicyNodeEdge> GetEdges(IReadOnlyList<Endpoint> endpoints)
    {
        var byModule = new Dictionary<string, List<Endpoint>>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            // An endpoint of no module (none is mapped that way) would answer on no port at all.
            if (endpoint.Metadata.GetMetadata<ModuleEndpointMetadata>() is { } owner)
            {
                if (!byModule.TryGetValue(owner.Module, out var list))
                {
                    byModule[owner.Module] = list = [];
                }

                list.Add(endpoint);
            }
        }

        return byModule.Select(p => new PolicyNodeEdge(p.Key, p.Value)).ToList();
    }

    public PolicyJumpTable BuildJumpTable(int exitDestination, IReadOnlyList<PolicyJumpTableEdge> edges) =>
        new ModuleJumpTable(ports, exitDestination, edges.ToDictionary(e => (string)e.State, e => e.Destination, StringComparer.Ordinal));

    private sealed class ModuleJumpTable(ModulePortMap ports, int exitDestination, Dictionary<string, int> destinations) : PolicyJumpTable
    {
        public override int GetDestination(HttpContext httpContext) =>
            ports.ModuleFor(httpContext) is { } module && destinations.TryGetValue(module, out var destination)
                ? destination
                : exitDestination;
    }
}
