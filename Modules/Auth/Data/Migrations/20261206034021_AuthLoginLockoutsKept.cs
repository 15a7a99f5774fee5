using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Auth.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuthLoginLockoutsKept : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "auth_login_lockouts",
                columns: table => new
                {
                    username_key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    failures = table.Column<int>(type: "INTEGER", nullable: false),
                    first_failure = table.Column<long>(type: "INTEGER", nullable: false),
                    locked_until = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_auth_login_lockouts", x => x.username_key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "auth_login_lockouts");
        }
    }
}
