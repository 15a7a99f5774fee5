using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Cluster.Membership;
using ZiyadMessenger.Modules.Cluster.Nodes;
using ZiyadMessenger.Modules.Contracts.Cluster;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Cluster.Join;

/// <summary>A node announces itself (first join) or says it is still there (re-join).</summary>
internal sealed record JoinNode(string NodeId, string Addr) : ICommand<NodeJoinResult>;

internal sealed class JoinNodeValidator : AbstractValidator<JoinNode>
{
    public JoinNodeValidator()
    {
        RuleFor(c => c.NodeId)
            .Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("'node_id' is required (1 to 64 characters).")
            .MaximumLength(LocalNode.MaxIdLength).WithMessage("'node_id' must be at most 64 characters.")
            .Must(v => !v.Any(char.IsControl)).WithMessage("'node_id' must not contain control characters.");
        RuleFor(c => c.Addr)
            .Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("'addr' is required (1 to 128 characters).")
            .MaximumLength(128).WithMessage("'addr' must be at most 128 characters.")
            .Must(v => !v.Any(char.IsControl)).WithMessage("'addr' must not contain control characters.");
    }
}

internal sealed class JoinNodeHandler(INodeRegistry registry, LocalNode self, IPublisher publisher) : ICommandHandler<JoinNode, NodeJoinResult>
{
    public async ValueTask<NodeJoinResult> Handle(JoinNode command, CancellationToken cancellationToken)
    {
        if (string.Equals(command.NodeId, self.Id, StringComparison.Ordinal))
        {
            throw AppException.Conflict("That node id is this server's own; a joining node needs an id of its own.");
        }

        var result = await registry.JoinAsync(command.NodeId, command.Addr, cancellationToken);
        // A re-join is a heartbeat: only a new node, or one at a new address, is news worth publishing.
        if (result.IsNew || result.AddressChanged)
        {
            await publisher.Publish(new NodeJoined(result.Node.Id, result.Node.Address), CancellationToken.None);
        }

        return result;
    }
}

internal sealed record JoinResponse(string Status, string NodeId, string Address, DateTimeOffset JoinedAt, DateTimeOffset LastSeen, bool New, string? LeaderId);

internal static class JoinEndpoint
{
    public const string SecretHeader = "X-Cluster-Join-Secret";

    private const string JoinDescription =
        "node_id (1–64 characters) and addr (1–128) in the query string. Allowed with the join secret (header X-Cluster-Join-Secret, " +
        "when ZiyadMessenger:Cluster:JoinSecret is set) or an admin token; a user token or nothing is 401, a wrong secret 403. " +
        "A re-join of a known node is its heartbeat.";

    public static void MapJoin(this IEndpointRouteBuilder endpoints)
    {
        // GET and POST do the same; each is its own endpoint so that each has its own operation id.
        endpoints.MapPost("/join", JoinAsync)
            .WithName("JoinCluster")
            .WithSummary("Add a node to the cluster, or say it is still there")
            .WithDescription(JoinDescription)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new AcceptsAdminTokenMetadata())
            .AllowAnonymous();
        endpoints.MapGet("/join", JoinAsync)
            .WithName("JoinClusterByGet")
            .WithSummary("The same as POST /join")
            .WithDescription(JoinDescription)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new AcceptsAdminTokenMetadata())
            .AllowAnonymous();
    }

    private static async Task<Ok<JoinResponse>> JoinAsync(
        HttpContext http,
        [FromQuery(Name = "node_id")] string? nodeId,
        [FromQuery(Name = "addr")] string? addr,
        [FromHeader(Name = SecretHeader)] string? secret,
        IValidator<JoinNode> validator,
        ClusterOptions options,
        ILeaderView leader,
        ISender sender,
        CancellationToken ct)
    {
        var command = new JoinNode(nodeId ?? "", addr ?? "");
        // The contract's checks come first: malformed input is a 400 whoever sends it.
        await validator.ValidateAndThrowAsync(command, ct);
        await EnsureMayJoinAsync(http, secret, options);
        var result = await sender.Send(command, ct);
        var node = result.Node;
        return TypedResults.Ok(new JoinResponse("joined", node.Id, node.Address, node.JoinedAt, node.LastSeen, result.IsNew, leader.LeaderId));
    }

    /// <summary>
    /// Who may add a node: a caller holding the node-join secret (header X-Cluster-Join-Secret, when
    /// ZiyadMessenger:Cluster:JoinSecret is set), or an admin. Never anyone on the LAN.
    /// </summary>
    private static async Task EnsureMayJoinAsync(HttpContext http, string? secret, ClusterOptions options)
    {
        var given = secret ?? "";
        if (given.Length > 0)
        {
            if (options.JoinSecretHash is null)
            {
                throw AppException.Forbidden("This server has no join secret configured: join with an admin token, or set ZiyadMessenger:Cluster:JoinSecret.");
            }

            // Comparing hashes keeps the comparison constant-time whatever the lengths.
            if (CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), options.JoinSecretHash))
            {
                return;
            }

            throw AppException.Forbidden("The join secret is wrong.");
        }

        var admin = await http.AuthenticateAsync(AuthSchemes.Admin);
        if (admin.Succeeded)
        {
            var role = admin.Principal.Role();
            if (role is "super_admin" or "admin")
            {
                return;
            }

            throw AppException.Forbidden("Your admin role may not add nodes.");
        }

        throw AppException.Unauthorized(
            $"Joining the cluster needs the join secret (header {SecretHeader}) or an admin token; a user token is not enough.");
    }
}
