using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// What a failed commit means, asked in one place instead of every module matching driver error codes.
/// </summary>
public static class StoreErrors
{
    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY: a foreign key, NOT NULL or CHECK
    // failure is also error 19, and is not "that name is taken".
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;

    /// <summary>
    /// True when a unique index refused the row: a concurrent request took the same name between the
    /// handler's check and its commit, and the index decided.
    /// </summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is SqliteException { SqliteExtendedErrorCode: SqliteConstraintUnique or SqliteConstraintPrimaryKey }
        // PostgreSQL's unique_violation, matched by SQLSTATE so Contracts needs no reference to Npgsql.
        || exception.InnerException is System.Data.Common.DbException { SqlState: "23505" };
}
