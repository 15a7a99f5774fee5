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
    /// the messages already stored, so an upgraded server finds its old messages too. The index is made as
    /// it was at the time (<see cref="IndexAsFirstMade"/>); <see cref="SearchPrefixAndChannelIndex"/> then
    /// rebuilds it in today's shape.
    /// </summary>
    [DbContext(typeof(MessagingDbContext))]
    [Migration("20261206040000_SearchIndexAndMentions")]
    public partial class SearchIndexAndMentions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(IndexAsFirstMade);
            migrationBuilder.Sql(SearchSchema.Rebuild);
            migrationBuilder.Sql(MentionSchema.Create);
        }

        /// <summary>The index this migration made: no prefix index, no channel column.</summary>
        internal const string IndexAsFirstMade = """
            CREATE VIEW IF NOT EXISTS messaging_search_source AS
                SELECT rowid AS MessageRow, CAST(Content AS TEXT) AS Body FROM messaging_messages
                WHERE Type IN (1, 2) AND DeletedAt IS NULL;
            CREATE VIRTUAL TABLE IF NOT EXISTS messaging_search USING fts5(
                Body, content='messaging_search_source', content_rowid='MessageRow',
                tokenize='unicode61 remove_diacritics 2', columnsize=0);
            CREATE TRIGGER IF NOT EXISTS messaging_search_after_insert AFTER INSERT ON messaging_messages
                WHEN new.Type IN (1, 2) AND new.DeletedAt IS NULL
            BEGIN
                INSERT INTO messaging_search (rowid, Body) VALUES (new.rowid, CAST(new.Content AS TEXT));
            END;
            CREATE TRIGGER IF NOT EXISTS messaging_search_after_delete AFTER DELETE ON messaging_messages
                WHEN old.Type IN (1, 2) AND old.DeletedAt IS NULL
            BEGIN
                INSERT INTO messaging_search (messaging_search, rowid, Body) VALUES ('delete', old.rowid, CAST(old.Content AS TEXT));
            END;
            CREATE TRIGGER IF NOT EXISTS messaging_search_after_update AFTER UPDATE OF Type, Content, DeletedAt ON messaging_messages
            BEGIN
                INSERT INTO messaging_search (messaging_search, rowid, Body)
                    SELECT 'delete', old.rowid, CAST(old.Content AS TEXT) WHERE old.Type IN (1, 2) AND old.DeletedAt IS NULL;
                INSERT INTO messaging_search (rowid, Body)
                    SELECT new.rowid, CAST(new.Content AS TEXT) WHERE new.Type IN (1, 2) AND new.DeletedAt IS NULL;
            END;
            """;

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(MentionSchema.Drop);
            migrationBuilder.Sql(SearchSchema.Drop);
        }
    }
}
