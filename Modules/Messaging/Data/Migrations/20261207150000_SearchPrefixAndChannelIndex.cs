using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ZiyadMessenger.Modules.Messaging.Search;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations
{
    /// <summary>
    /// The full-text index made again with a prefix index (<c>prefix='2 3'</c>) and a column holding each
    /// message's channel (see <see cref="SearchSchema"/>). FTS5 cannot add either to an existing table, so
    /// the index, its view and its triggers are dropped and made again, and the index is rebuilt from the
    /// stored messages, all in the migration's transaction: an upgraded server finds its old messages, by
    /// prefix too. Raw SQL outside the EF model, like the index itself, so there is no model change.
    /// </summary>
    [DbContext(typeof(MessagingDbContext))]
    [Migration("20261207150000_SearchPrefixAndChannelIndex")]
    public partial class SearchPrefixAndChannelIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(SearchSchema.Drop);
            migrationBuilder.Sql(SearchSchema.Create);
            migrationBuilder.Sql(SearchSchema.Rebuild);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(SearchSchema.Drop);
            migrationBuilder.Sql(SearchIndexAndMentions.IndexAsFirstMade);
            migrationBuilder.Sql(SearchSchema.Rebuild);
        }
    }
}
