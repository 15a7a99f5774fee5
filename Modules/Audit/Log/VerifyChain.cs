using System.Data.Common;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Audit.Log;

/// <summary>
/// Walks the whole chain in id order, in one read transaction (a consistent snapshot while the writer
/// keeps appending), recomputing every hash. Reports the first entry where the chain breaks: an entry
/// whose content no longer matches its hash, one whose prev_hash is not its predecessor's hash, or a
/// missing id. Memory stays constant whatever the log's length.
/// </summary>
internal sealed class VerifyAuditChainHandler(IAuditChainReader chain) : IQueryHandler<VerifyAuditChain, AuditVerification>
{
    public async ValueTask<AuditVerification> Handle(VerifyAuditChain query, CancellationToken cancellationToken) =>
        await chain.ReadAsync((reader, knownLastId) => WalkAsync(reader, knownLastId, cancellationToken), cancellationToken);

    private static async Task<AuditVerification> WalkAsync(DbDataReader reader, long committedHere, CancellationToken cancellationToken)
    {
        long checkedCount = 0;
        long previousId = 0;
        var previousHash = AuditChain.GenesisHash;
        while (await reader.ReadAsync(cancellationToken))
        {
            checkedCount++;
            var id = reader.GetInt64(0);
            if (id != previousId + 1)
            {
                var problem = id <= previousId
                    ? $"Entry {id} is out of order after entry {previousId}."
                    : previousId + 1 == id - 1
                        ? $"Entry {previousId + 1} is missing."
                        : $"Entries {previousId + 1} to {id - 1} are missing.";
                return new AuditVerification(false, checkedCount, previousId + 1, problem);
            }

            var prevHash = reader.GetString(6);
            var storedHash = reader.GetString(7);
            if (!string.Equals(prevHash, previousHash, StringComparison.Ordinal))
            {
                return new AuditVerification(false, checkedCount, id,
                    id == 1
                        ? "Entry 1 does not start the chain: its prev_hash was altered."
                        : $"Entry {id} does not link to entry {previousId}: its prev_hash was altered, or entry {previousId} was replaced.");
            }

            var expected = AuditChain.ComputeHash(id, reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), prevHash);
            if (!string.Equals(expected, storedHash, StringComparison.Ordinal))
            {
                return new AuditVerification(false, checkedCount, id, $"Entry {id} was altered: its content does not match its hash.");
            }

            previousId = id;
            previousHash = storedHash;
        }

        if (previousId < committedHere)
        {
            return new AuditVerification(false, checkedCount, previousId + 1,
                $"Entries {previousId + 1} to {committedHere} were written but are no longer stored: the end of the log was removed.");
        }

        return new AuditVerification(true, checkedCount, null, null);
    }
}

internal static class VerifyChainEndpoint
{
    public static void MapVerifyChain(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/log/verify", async (ISender sender, CancellationToken ct) => TypedResults.Ok(await sender.Send(new VerifyAuditChain(), ct)))
            .WithName("VerifyAuditChain")
            .WithSummary("Check the whole hash chain")
            .WithDescription("Recomputes every entry's hash and link; names the first entry where the chain breaks (altered, missing or removed entries).")
            .RequireAuthorization(AuthPolicies.Admin);
}
