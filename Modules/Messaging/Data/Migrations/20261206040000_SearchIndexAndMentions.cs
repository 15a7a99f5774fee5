using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ZiyadMessenger.Modules.Messaging.Mentions;
using ZiyadMessenger.Modules.Messaging.Search;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations
{
    /// <summary>
    /// The full-text index of messages (FTS5, kept in step by triggers) and the mentions table. Both are
    /// raw SQL outside the EF model: FTS5 tables, views and triggers are not something EF models, and the
    /// mentions are written by prepared statements in the writer's transaction. The index is filled from
    /// the messages already stored, so an upgraded server finds its old messages too.
    /// </summary>
    [DbContext(typeof(MessagingDbContext))]
    [Migration("20261206040000_SearchIndexAndMentions")]
    public partial class SearchIndexAndMentions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(SearchSchema.Create);
            migrationBuilder.Sql(SearchSchema.Rebuild);
            migrationBuilder.Sql(MentionSchema.Create);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(MentionSchema.Drop);
            migrationBuilder.Sql(SearchSchema.Drop);
        }
    }
}
