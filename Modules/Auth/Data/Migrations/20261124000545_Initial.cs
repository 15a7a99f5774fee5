using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Auth.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "auth_revoked_tokens",
                columns: table => new
                {
                    token_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_auth_revoked_tokens", x => x.token_id);
                });

            migrationBuilder.CreateTable(
                name: "auth_users",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    username = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    username_key = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    full_name = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    role = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    department_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    password_hash = table.Column<string>(type: "TEXT", nullable: false),
                    is_active = table.Column<bool>(type: "INTEGER", nullable: false),
                    token_version = table.Column<int>(type: "INTEGER", nullable: false),
                    kept_token_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_login_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_auth_users", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_auth_revoked_tokens_expires_at",
                table: "auth_revoked_tokens",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "IX_auth_users_username_key",
                table: "auth_users",
                column: "username_key",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "auth_revoked_tokens");

            migrationBuilder.DropTable(
                name: "auth_users");
        }
    }
}
