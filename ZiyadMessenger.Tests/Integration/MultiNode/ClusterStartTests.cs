using System.Net;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>
/// CONTRACT §6: nodes configured with the same PostgreSQL database form one cluster, and nothing needs
/// copying between them. Three nodes started at the same moment on an empty database must all come up:
/// one migrates while the others wait, one makes the signing key and the first admin, none crashes.
/// </summary>
[Collection(MultiNodeFaultsCollection.Name)]
public sealed class ClusterStartTests
{
    [SkippableFact]
    public async Task Three_nodes_started_at_once_on_an_empty_database_all_come_up_sharing_one_key_and_one_first_admin()
    {
        StoreSettings.SkipUnlessPostgres();
        await using var cluster = await ThreeNodeCluster.StartAsync();

        (await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM host_signing_keys")).Should().Be(1, "one signing key, made by whichever node came first");
        (await cluster.Database.ScalarAsync<long>("SELECT count(*) FROM admin_admins")).Should().Be(1, "one first admin, however many nodes started");
        foreach (var module in ModuleNames.All)
        {
            var history = $"__migrations_{module.ToLowerInvariant()}";
            (await cluster.Database.ScalarAsync<long>($"SELECT count(DISTINCT \"MigrationId\") FROM \"{history}\""))
                .Should().Be(await cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM \"{history}\""), $"{module}'s migrations ran once each");
        }

        // A token from any node works on every other: nothing to copy between them.
        var user = await cluster[0].CreateUserAsync("start");
        foreach (var node in cluster.Nodes)
        {
            using var auth = node.Client(ModuleNames.Auth, user.Token);
            (await auth.GetAsync("/me")).StatusCode.Should().Be(HttpStatusCode.OK, $"{node} accepts node1's token");
            using var admin = await node.AdminAsync();
            (await admin.GetAsync("/admin/me")).StatusCode.Should().Be(HttpStatusCode.OK, $"the first admin logs in on {node}");
        }
    }
}
