using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using ZiyadMessenger.Modules.Messaging.Search;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations
{
    /// <summary>
    /// The full-text index merges 16 segments at a time instead of FTS5's default 4 (see
    /// <see cref="SearchSchema.MergeTuning"/>). A setting in the index's config table: the index and the
    /// messages stay as they are, and segments already written are merged the new way from now on.
    /// </summary>
    [DbContext(typeof(MessagingDbContext))]
    [Migration("20261208000000_SearchMergeTuning")]
    public partial class SearchMergeTuning : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(SearchSchema.MergeTuning);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(SearchSchema.DefaultMerging);
    }
}
