using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Admin.Data.Migrations
{
    /// <inheritdoc />
    public partial class AdminLoginLockoutsKept : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "admin_login_lockouts",
                columns: table => new
                {
                    username_key = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    failures = table.Column<int>(type: "INTEGER", nullable: false),
                    first_failure = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_admin_login_lockouts", x => x.username_key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "admin_login_lockouts");
        }
    }
}
