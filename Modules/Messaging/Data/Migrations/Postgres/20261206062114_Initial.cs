using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Messaging.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "messaging_channels",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: false),
                    Name = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: false),
                    NormalizedName = table.Column<string>(type: "character varying(160)", maxLength: 160, nullable: false),
                    Type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    DepartmentId = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: true),
                    LastSeq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_channels", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "messaging_members",
                columns: table => new
                {
                    ChannelId = table.Column<string>(type: "character varying(160)", nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    JoinedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_members", x => new { x.ChannelId, x.UserId });
                    table.ForeignKey(
                        name: "FK_messaging_members_messaging_channels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "messaging_channels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "messaging_messages",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ChannelId = table.Column<string>(type: "character varying(160)", nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false),
                    SenderId = table.Column<string>(type: "text", nullable: false),
                    Timestamp = table.Column<long>(type: "bigint", nullable: false),
                    Type = table.Column<int>(type: "integer", nullable: false),
                    Content = table.Column<byte[]>(type: "bytea", nullable: false),
                    Nonce = table.Column<string>(type: "text", nullable: true),
                    Signature = table.Column<string>(type: "text", nullable: true),
                    ClientMsgId = table.Column<string>(type: "text", nullable: true),
                    EditedAt = table.Column<long>(type: "bigint", nullable: true),
                    DeletedAt = table.Column<long>(type: "bigint", nullable: true),
                    RootId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ReplyCount = table.Column<int>(type: "integer", nullable: false),
                    LastReplyAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_messaging_messages_messaging_channels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "messaging_channels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "messaging_read_cursors",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "text", nullable: false),
                    ChannelId = table.Column<string>(type: "character varying(160)", nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_messaging_read_cursors", x => new { x.UserId, x.ChannelId });
                    table.ForeignKey(
                        name: "FK_messaging_read_cursors_messaging_channels_ChannelId",
                        column: x => x.ChannelId,
                        principalTable: "messaging_channels",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "messaging_pins",
                columns: table => new
                {
                    MessageId = table.Column<string>(type: "text", nullable: false),
                    ChannelId = table.Column<string>(type: "text", nullable: false),
                    PinnedBy = table.Column<string>(type: "text", nullable: false),
                    PinnedAt = table.Column<long>(type: "bigint", nullable: false)
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
                    MessageId = table.Column<string>(type: "text", nullable: false),
                    Emoji = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
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
                name: "IX_messaging_channels_NormalizedName",
                table: "messaging_channels",
                column: "NormalizedName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_messaging_members_UserId",
                table: "messaging_members",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_messaging_messages_ChannelId_Seq",
                table: "messaging_messages",
                columns: new[] { "ChannelId", "Seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_messaging_messages_RootId_Seq",
                table: "messaging_messages",
                columns: new[] { "RootId", "Seq" },
                filter: "\"RootId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_messaging_messages_SenderId_ClientMsgId",
                table: "messaging_messages",
                columns: new[] { "SenderId", "ClientMsgId" },
                unique: true,
                filter: "\"ClientMsgId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_messaging_messages_Timestamp",
                table: "messaging_messages",
                column: "Timestamp");

            migrationBuilder.CreateIndex(
                name: "IX_messaging_pins_ChannelId_PinnedAt",
                table: "messaging_pins",
                columns: new[] { "ChannelId", "PinnedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_messaging_read_cursors_ChannelId",
                table: "messaging_read_cursors",
                column: "ChannelId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "messaging_members");

            migrationBuilder.DropTable(
                name: "messaging_pins");

            migrationBuilder.DropTable(
                name: "messaging_reactions");

            migrationBuilder.DropTable(
                name: "messaging_read_cursors");

            migrationBuilder.DropTable(
                name: "messaging_messages");

            migrationBuilder.DropTable(
                name: "messaging_channels");
        }
    }
}
