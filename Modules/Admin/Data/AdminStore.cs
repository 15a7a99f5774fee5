using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Persistence;

namespace ZiyadMessenger.Modules.Admin.Data;

internal static class AdminStore
{
    /// <summary>
    /// Commits, and says what a lost race means to the caller: a concurrent request took the same name
    /// (the unique index decides: 409 <paramref name="conflict"/>), or deleted the row this request read
    /// and changed (the update touched no row: 404 <paramref name="gone"/>).
    /// </summary>
    public static async Task CommitAsync(this AdminDbContext db, string conflict, string gone, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw AppException.NotFound(gone);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation())
        {
            throw AppException.Conflict(conflict);
        }
    }
}
