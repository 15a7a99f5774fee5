using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Presence.Data.Migrations
{
    /// <inheritdoc />
    public partial class PresenceSharedAcrossNodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "presence_node_sockets",
                columns: table => new
                {
                    instance_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    sockets = table.Column<int>(type: "INTEGER", nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_presence_node_sockets", x => new { x.instance_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "presence_shared",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    chosen = table.Column<int>(type: "INTEGER", nullable: false),
                    signed_off = table.Column<bool>(type: "INTEGER", nullable: false),
                    last_active = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_presence_shared", x => x.user_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_presence_node_sockets_expires_at",
                table: "presence_node_sockets",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_presence_node_sockets_user_id",
                table: "presence_node_sockets",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "IX_presence_shared_updated_at",
                table: "presence_shared",
                column: "updated_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "presence_node_sockets");

            migrationBuilder.DropTable(
                name: "presence_shared");
        }
    }
}
