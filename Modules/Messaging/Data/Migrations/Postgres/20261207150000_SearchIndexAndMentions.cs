using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ZiyadMessenger.Modules.Messaging.Mentions.Postgres;
using ZiyadMessenger.Modules.Messaging.Search.Postgres;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations.Postgres
{
    /// <summary>
    /// PostgreSQL's counterpart of the SQLite migration of the same name: the search column, its GIN
    /// index and text configuration (<see cref="PostgresSearchSchema"/>), and the mentions table
    /// (<see cref="PostgresMentionSchema"/>). Raw SQL outside the EF model, as on SQLite, so the model
    /// and its snapshot do not change.
    /// </summary>
    [DbContext(typeof(PostgresMessagingDbContext))]
    [Migration("20261207150000_SearchIndexAndMentions")]
    public partial class SearchIndexAndMentions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(PostgresSearchSchema.Create);
            migrationBuilder.Sql(PostgresMentionSchema.Create);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(PostgresMentionSchema.Drop);
            migrationBuilder.Sql(PostgresSearchSchema.Drop);
        }
    }
}
