using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ZiyadMessenger.Modules.Cluster.Data.Migrations
{
    /// <inheritdoc />
    public partial class ClusterMembersAndLease : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "cluster_leases",
                columns: table => new
                {
                    name = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    holder = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    expires_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cluster_leases", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "cluster_members",
                columns: table => new
                {
                    node_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    started_at = table.Column<long>(type: "INTEGER", nullable: false),
                    last_seen = table.Column<long>(type: "INTEGER", nullable: false),
                    stopped_at = table.Column<long>(type: "INTEGER", nullable: true),
                    connections = table.Column<int>(type: "INTEGER", nullable: false),
                    connected_users = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_cluster_members", x => x.node_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "cluster_leases");

            migrationBuilder.DropTable(
                name: "cluster_members");
        }
    }
}
