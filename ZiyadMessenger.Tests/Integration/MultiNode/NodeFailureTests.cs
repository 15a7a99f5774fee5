using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>Destructive multi-node tests: each starts its own cluster, one at a time, after the shared-cluster tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeFaultsCollection
{
    public const string Name = "Multi-node faults (own clusters, one at a time)";
}

/// <summary>
/// CONTRACT §6: a node that stops heartbeating is unhealthy within NodeTimeoutSeconds; the leader's lease
/// is taken over; a killed node loses no acknowledged message, and its clients reconnect to another node
/// and catch up with <c>history?after=</c>.
/// </summary>
[Collection(MultiNodeFaultsCollection.Name)]
public sealed class NodeFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(ThreeNodeCluster.NodeTimeoutSeconds);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Mark(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0}s {what}");

    [SkippableFact]
    public async Task When_the_leader_is_killed_another_node_leads_within_the_node_timeout_and_the_dead_node_turns_unhealthy()
    {
        StoreSettings.SkipUnlessPostgres();
        await using var cluster = await ThreeNodeCluster.StartAsync(new Dictionary<string, string> { ["ZiyadMessenger:Presence:OfflineAfterSeconds"] = "3" });
        Mark("cluster started");
        var ids = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            ids.Add((await node.ClusterStatusAsync()).GetProperty("node_id").GetString()!);
        }

        string? leaderId = null;
        await cluster.WaitUntilAsync(async () =>
        {
            var seen = new HashSet<string?>();
            foreach (var node in cluster.Nodes)
            {
                var status = await node.ClusterStatusAsync();
                if (status.GetProperty("healthy").GetInt32() != 3)
                {
                    return false;
                }

                seen.Add(status.GetProperty("leader_id").GetString());
            }

            leaderId = seen.Single();
            return ids.Contains(leaderId!);
        }, NodeTimeout * 3 + TimeSpan.FromSeconds(5), "the three nodes agree on one leader among them");
        var leader = cluster[ids.IndexOf(leaderId!)];
        var survivors = cluster.Nodes.Where(n => n != leader).ToList();
        Mark($"leader is {leader}");

        // A user whose only socket is on the leader: its presence must expire with the dead node.
        var user = await survivors[0].CreateUserAsync("onleader");
        var watcher = await survivors[1].CreateUserAsync("watch");
        var socket = await leader.ConnectAsync(user);
        await cluster.WaitUntilAsync(async () => await PresenceAsync(survivors[1], watcher, user) == 1, TimeSpan.FromSeconds(5), "online while its socket is on the leader");

        leader.Process.Kill();
        var killedAt = Stopwatch.StartNew();
        Mark($"killed {leader}");

        string? newLeader = null;
        await cluster.WaitUntilAsync(async () =>
        {
            var seen = new HashSet<string?>();
            foreach (var node in survivors)
            {
                var status = await node.ClusterStatusAsync();
                var dead = status.GetProperty("nodes").EnumerateArray().SingleOrDefault(n => n.GetProperty("id").GetString() == leaderId);
                if (dead.ValueKind == JsonValueKind.Object && dead.GetProperty("healthy").GetBoolean())
                {
                    return false;
                }

                if (status.GetProperty("healthy").GetInt32() != 2)
                {
                    return false;
                }

                seen.Add(status.GetProperty("leader_id").GetString());
            }

            newLeader = seen.Count == 1 ? seen.Single() : null;
            return newLeader is not null && newLeader != leaderId && ids.Contains(newLeader);
        }, NodeTimeout + TimeSpan.FromSeconds(3), $"the survivors mark {leader} unhealthy and agree on a new leader within NodeTimeoutSeconds ({NodeTimeout.TotalSeconds} s)");
        Mark($"new leader {cluster[ids.IndexOf(newLeader!)]} after {killedAt.Elapsed.TotalSeconds:0.0} s");

        foreach (var node in survivors)
        {
            var status = await node.ClusterStatusAsync();
            var leaders = status.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("is_leader").GetBoolean()).ToList();
            leaders.Should().ContainSingle().Which.GetProperty("id").GetString().Should().Be(newLeader);
        }

        // The dead node's socket no longer counts: presence times out (a leader-only job, now on the new leader).
        await cluster.WaitUntilAsync(async () => await PresenceAsync(survivors[1], watcher, user) == 0, NodeTimeout + TimeSpan.FromSeconds(3 * 3 + 5),
            "a user whose only socket was on the killed node goes offline on the others");
        Mark($"offline after {killedAt.Elapsed.TotalSeconds:0.0} s");
        await socket.DisposeAsync();
    }

    [SkippableFact]
    public async Task A_node_killed_mid_burst_loses_no_acked_message_and_its_clients_catch_up_on_another_node()
    {
        StoreSettings.SkipUnlessPostgres();
        await using var cluster = await ThreeNodeCluster.StartAsync();
        Mark("cluster started");
        var (victim, survivor, watcherNode) = (cluster[0], cluster[1], cluster[2]);

        // Two writers on the victim, two on a survivor: general and a DM, each written from both nodes.
        var users = new List<TestUser>();
        for (var i = 0; i < 4; i++)
        {
            users.Add(await survivor.CreateUserAsync($"burst{i}"));
        }

        using var dmHttp = survivor.Messaging(users[1]);
        var dm = (await (await dmHttp.PostAsJsonAsync("/dm", new { target_user_id = users[3].Id })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channel_id").GetString()!;
        var onVictim = new[] { new CrashSafetyTests.Client(users[0].Id, users[0].Token, "general"), new CrashSafetyTests.Client(users[1].Id, users[1].Token, dm) };
        var onSurvivor = new[] { new CrashSafetyTests.Client(users[2].Id, users[2].Token, "general"), new CrashSafetyTests.Client(users[3].Id, users[3].Token, dm) };

        // A reader of both channels on the third node records what it is pushed.
        await using var reader = await watcherNode.ConnectAsync(users[3]);

        var acked = new ConcurrentDictionary<string, CrashSafetyTests.Acked>();
        var sent = new ConcurrentDictionary<string, CrashSafetyTests.Client>();
        using var stopVictim = new CancellationTokenSource();
        using var stopSurvivor = new CancellationTokenSource();
        var victimBursts = onVictim.Select((c, k) => CrashSafetyTests.BurstAsync(victim.Process, c, $"v{k}", acked, sent, stopVictim.Token)).ToList();
        var survivorBursts = onSurvivor.Select((c, k) => CrashSafetyTests.BurstAsync(survivor.Process, c, $"s{k}", acked, sent, stopSurvivor.Token)).ToList();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (acked.Keys.Count(k => k.StartsWith('v')) < 300 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var victimAcked = acked.Keys.Count(k => k.StartsWith('v'));
        Mark($"killing {victim} with {victimAcked} acked there, {acked.Count} acked in all, {sent.Count} sent");
        victim.Process.Kill();
        stopVictim.Cancel();
        await Task.WhenAll(victimBursts);
        await Task.Delay(1000); // the survivor keeps writing while the victim is dead
        stopSurvivor.Cancel();
        await Task.WhenAll(survivorBursts);
        Mark($"bursts ended: {acked.Count} acked, {sent.Count} sent");

        victimAcked.Should().BeGreaterThan(0, "the victim acknowledged messages before it died");
        sent.Keys.Count(k => k.StartsWith('v')).Should().BeGreaterThan(acked.Keys.Count(k => k.StartsWith('v')), "sends were in flight at the kill");
        var all = onVictim.Concat(onSurvivor).ToList();
        await CrashSafetyTests.VerifyAsync(survivor.Process, all, acked);
        await CrashSafetyTests.VerifyAsync(watcherNode.Process, all, acked);
        Mark("every acked message is in history on both survivors, gap-free");

        // The victim's clients reconnect to a survivor and catch up from the last seq they were acked.
        foreach (var client in onVictim)
        {
            var last = acked.Values.Where(a => a.ChannelId == client.ChannelId && sent.TryGetValue(a.ClientMsgId, out var c) && c == client).Select(a => a.Seq).DefaultIfEmpty(0).Max();
            using var http = survivor.Client(ModuleNames.Messaging, client.Token);
            var caughtUp = await http.HistoryAsync(client.ChannelId, $"&after={last}&limit=1000");
            caughtUp.Select(m => m.GetProperty("seq").GetInt64()).Should().Equal(
                Enumerable.Range(0, caughtUp.Count).Select(i => last + 1 + i), "history?after= continues right after the last acked seq");
            await using var again = await survivor.ConnectAsync(client.Token);
            await again.ShouldAnswerPingAsync();
        }

        // The reader on the third node was pushed every committed message of both channels, in seq order.
        var expected = new Dictionary<string, List<long>>();
        foreach (var channel in new[] { "general", dm })
        {
            using var http = watcherNode.Client(ModuleNames.Messaging, users[3].Token);
            expected[channel] = (await http.FullHistoryAsync(channel)).Select(m => m.GetProperty("seq").GetInt64()).ToList();
        }

        var pushed = new Dictionary<string, List<long>> { ["general"] = [], [dm] = [] };
        var total = expected.Values.Sum(v => v.Count);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (pushed.Values.Sum(v => v.Count) < total && DateTime.UtcNow < until)
        {
            try
            {
                var message = await reader.ReceiveEventAsync("message", until - DateTime.UtcNow);
                pushed[message.GetProperty("channel_id").GetString()!].Add(message.GetProperty("seq").GetInt64());
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        foreach (var channel in expected.Keys)
        {
            pushed[channel].Should().Equal(expected[channel], $"the socket on {watcherNode} gets every committed message of {channel} once, in seq order, the killed node's included");
        }

        // Resending what was never acknowledged, now to the survivor, stores each at most once.
        foreach (var (clientMsgId, client) in sent.Where(s => s.Key.StartsWith('v') && !acked.ContainsKey(s.Key)))
        {
            using var http = survivor.Client(ModuleNames.Messaging, client.Token);
            await http.SendAsync(client.ChannelId, clientMsgId, clientMsgId);
        }

        foreach (var (clientMsgId, first) in acked.Where(a => a.Key.StartsWith('v')).Take(50))
        {
            using var http = survivor.Client(ModuleNames.Messaging, sent[clientMsgId].Token);
            (await http.SendAsync(first.ChannelId, clientMsgId, clientMsgId)).GetProperty("message_id").GetString()
                .Should().Be(first.MessageId, "a resend to another node of an acked message returns the first one");
        }

        await CrashSafetyTests.VerifyAsync(survivor.Process, all, acked);
        Mark("resends stored at most once");
    }

    private static async Task<int> PresenceAsync(ClusterNode node, TestUser asker, TestUser subject)
    {
        using var presence = node.Client(ModuleNames.Presence, asker.Token);
        return (await presence.GetFromJsonAsync<JsonElement>($"/status?user_id={subject.Id}")).GetProperty("status").GetInt32();
    }
}
