using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Audit.Data.Migrations.Postgres
{
    /// <summary>
    /// What several nodes need to keep one chain: the head row each append locks (made on first use by
    /// the writer, from the stored tail), and the table kept append-only as on SQLite. Raw SQL: neither is
    /// part of the model the application queries.
    /// </summary>
    public partial class ChainHead : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE audit_chain_head (
                    id integer PRIMARY KEY CHECK (id = 1),
                    last_id bigint NOT NULL,
                    last_hash text NOT NULL
                );
                """);
            migrationBuilder.Sql("""
                CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit entries are append-only';
                END;
                $$;
                """);
            migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();");
            migrationBuilder.Sql("CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_delete ON audit_entries;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_entries_no_update ON audit_entries;");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS audit_entries_append_only();");
            migrationBuilder.Sql("DROP TABLE IF EXISTS audit_chain_head;");
        }
    }
}
