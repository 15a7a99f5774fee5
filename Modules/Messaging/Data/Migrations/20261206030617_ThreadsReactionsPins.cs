using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations
{
    /// <inheritdoc />
    public partial class ThreadsReactionsPins : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastReplyAt",
                table: "messaging_messages",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ReplyCount",
                table: "messaging_messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "RootId",
                table: "messaging_messages",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "messaging_pins",
                columns: table => new
                {
                    MessageId = table.Column<string>(type: "TEXT", nullable: false),
                    ChannelId = table.Column<string>(type: "TEXT", nullable: false),
                    PinnedBy = table.Column<string>(type: "TEXT", nullable: false),
                    PinnedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_pins", x => x.MessageId);
                    table.ForeignKey(
                        name: "FK_messaging_pins_messaging_messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "messaging_messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "messaging_reactions",
                columns: table => new
                {
                    MessageId = table.Column<string>(type: "TEXT", nullable: false),
                    Emoji = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_reactions", x => new { x.MessageId, x.Emoji, x.UserId });
                    table.ForeignKey(
                        name: "FK_messaging_reactions_messaging_messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "messaging_messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_messaging_messages_RootId_Seq",
                table: "messaging_messages",
                columns: new[] { "RootId", "Seq" },
                filter: "RootId IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_messaging_pins_ChannelId_PinnedAt",
                table: "messaging_pins",
                columns: new[] { "ChannelId", "PinnedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "messaging_pins");

            migrationBuilder.DropTable(
                name: "messaging_reactions");

            migrationBuilder.DropIndex(
                name: "IX_messaging_messages_RootId_Seq",
                table: "messaging_messages");

            migrationBuilder.DropColumn(
                name: "LastReplyAt",
                table: "messaging_messages");

            migrationBuilder.DropColumn(
                name: "ReplyCount",
                table: "messaging_messages");

            migrationBuilder.DropColumn(
                name: "RootId",
                table: "messaging_messages");
        }
    }
}
