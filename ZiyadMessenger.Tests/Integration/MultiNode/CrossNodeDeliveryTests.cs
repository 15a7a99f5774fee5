using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using ZiyadMessenger.Tests.Integration.Messaging;

namespace ZiyadMessenger.Tests.Integration.MultiNode;

/// <summary>
/// CONTRACT §6: any node answers any request for any user; a message committed on one node reaches every
/// allowed socket on every node, in seq order per channel; seq stays gap-free however many nodes send.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class CrossNodeDeliveryTests(ThreeNodeClusterFixture fixture)
{
    [SkippableFact]
    public async Task Any_node_answers_for_a_user_registered_on_another_with_a_token_from_a_third()
    {
        var cluster = fixture.Require();
        var user = await cluster[0].CreateUserAsync("any");
        var tokenFromNode2 = await cluster[1].LoginAsync(user.Username, user.Password);

        foreach (var node in cluster.Nodes)
        {
            using var auth = node.Client(ModuleNames.Auth, tokenFromNode2);
            var me = await auth.GetAsync("/me");
            me.StatusCode.Should().Be(HttpStatusCode.OK, $"{node} accepts a token signed on node2 (one signing key in the store)");
            (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString().Should().Be(user.Id);
        }

        // A channel the admin makes on node3 is the same channel everywhere.
        var channel = await cluster[2].CreatePrivateChannelAsync(user);
        foreach (var node in cluster.Nodes)
        {
            using var messaging = node.Client(ModuleNames.Messaging, tokenFromNode2);
            var channels = await messaging.GetFromJsonAsync<JsonElement>("/channels");
            channels.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("id").GetString()).Should().Contain(channel, $"on {node}");
        }
    }

    [SkippableFact]
    public async Task A_message_sent_on_one_node_reaches_every_allowed_socket_on_every_node_in_seq_order_and_no_other()
    {
        var cluster = fixture.Require();
        var sender = await cluster[0].CreateUserAsync("snd");
        var readers = new[] { await cluster[0].CreateUserAsync("r1"), await cluster[1].CreateUserAsync("r2"), await cluster[2].CreateUserAsync("r3") };
        var outsider = await cluster[2].CreateUserAsync("out");
        var channel = await cluster[1].CreatePrivateChannelAsync([sender, .. readers]);

        // A reader on every node, the sender's own second device on node3, a v1 socket on node2, and an outsider.
        await using var r1 = await cluster[0].ConnectAsync(readers[0]);
        await using var r2 = await cluster[1].ConnectAsync(readers[1]);
        await using var r3 = await cluster[2].ConnectAsync(readers[2]);
        await using var ownOtherDevice = await cluster[2].ConnectAsync(sender);
        await using var v1 = await cluster[1].ConnectAsync(readers[1], version: 1);
        await using var outsiderSocket = await cluster[2].ConnectAsync(outsider);

        const int count = 60;
        using var http = cluster[0].Messaging(sender);
        var acks = new List<JsonElement>();
        for (var i = 0; i < count; i++)
        {
            acks.Add(await http.SendAsync(channel, $"m{i}"));
        }

        var expected = acks.Select(a => a.GetProperty("seq").GetInt64()).ToList();
        expected.Should().Equal(Enumerable.Range(1, count).Select(i => (long)i));
        foreach (var (socket, where) in new[] { (r1, "node1"), (r2, "node2"), (r3, "node3"), (ownOtherDevice, "the sender's other device on node3") })
        {
            var got = await socket.ReceiveMessagesAsync(channel, count);
            got.Select(m => m.Seq()).Should().Equal(expected, $"every committed message reaches the socket on {where}, once, in seq order");
            got.Select(m => m.Id()).Should().Equal(acks.Select(a => a.GetProperty("message_id").GetString()));
            MessagingApi.Text(got[^1]).Should().Be($"m{count - 1}");
        }

        (await v1.ReceiveV1MessagesAsync(channel, count)).Select(m => m.Seq()).Should().Equal(expected, "v1 sockets get the bare message objects, in order");

        // The outsider's socket is served (a public marker arrives) but never got the private messages.
        var marker = await http.SendAsync("general", "marker");
        var seen = await outsiderSocket.ReceiveEventAsync("message");
        while (seen.Id() != marker.GetProperty("message_id").GetString())
        {
            seen.GetProperty("channel_id").GetString().Should().NotBe(channel, "a non-member's socket on another node gets nothing of a private channel");
            seen = await outsiderSocket.ReceiveEventAsync("message");
        }
    }

    [SkippableFact]
    public async Task Senders_on_every_node_share_one_gap_free_seq_and_every_socket_sees_the_same_order()
    {
        var cluster = fixture.Require();
        var senders = new[] { await cluster[0].CreateUserAsync("s1"), await cluster[1].CreateUserAsync("s2"), await cluster[2].CreateUserAsync("s3") };
        var channel = await cluster[0].CreatePrivateChannelAsync(senders);
        var sockets = new List<WsClient>();
        for (var i = 0; i < 3; i++)
        {
            sockets.Add(await cluster[i].ConnectAsync(senders[(i + 1) % 3]));
        }

        try
        {
            const int perSender = 40;
            var acks = new ConcurrentBag<(string Id, long Seq)>();
            var sending = senders.Select((s, i) => Task.Run(async () =>
            {
                using var http = cluster[i].Messaging(s);
                // Four requests in flight per sender, so writers on all nodes contend for the channel at once.
                await Parallel.ForEachAsync(Enumerable.Range(0, perSender), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (k, _) =>
                {
                    var ack = await http.SendAsync(channel, $"{s.Username}-{k}");
                    acks.Add((ack.GetProperty("message_id").GetString()!, ack.GetProperty("seq").GetInt64()));
                });
            })).ToList();
            await Task.WhenAll(sending);

            const int total = perSender * 3;
            acks.Select(a => a.Seq).Order().Should().Equal(Enumerable.Range(1, total).Select(i => (long)i), "seq is gap-free and unique across nodes");

            List<string>? order = null;
            foreach (var node in cluster.Nodes)
            {
                using var http = node.Messaging(senders[0]);
                var history = await http.FullHistoryAsync(channel);
                history.Select(m => m.Seq()).Should().Equal(Enumerable.Range(1, total).Select(i => (long)i), $"history on {node}");
                var ids = history.Select(m => m.Id()).ToList();
                order ??= ids;
                ids.Should().Equal(order, $"{node} has the same messages at the same seqs");
            }

            acks.Should().OnlyContain(a => order![(int)a.Seq - 1] == a.Id, "each ack names the seq the message is stored at");
            for (var i = 0; i < sockets.Count; i++)
            {
                var got = await sockets[i].ReceiveMessagesAsync(channel, total);
                got.Select(m => m.Id()).Should().Equal(order, $"the socket on node{i + 1} gets every message in seq order");
            }
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task A_resend_to_another_node_with_the_same_client_msg_id_returns_the_first_message()
    {
        var cluster = fixture.Require();
        var user = await cluster[0].CreateUserAsync("dup");
        var peer = await cluster[1].CreateUserAsync("peer");
        using var onNode1 = cluster[0].Messaging(user);
        using var onNode3 = cluster[2].Messaging(user);
        var dm = (await (await onNode1.PostAsJsonAsync("/dm", new { target_user_id = peer.Id })).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("channel_id").GetString()!;

        var clientMsgId = Guid.NewGuid().ToString("N");
        var first = await onNode1.SendAsync(dm, "once", clientMsgId);
        var again = await onNode3.SendAsync(dm, "once", clientMsgId);

        again.GetProperty("message_id").GetString().Should().Be(first.GetProperty("message_id").GetString());
        again.GetProperty("seq").GetInt64().Should().Be(first.GetProperty("seq").GetInt64());
        (await cluster[1].Messaging(peer).HistoryAsync(dm)).Should().ContainSingle("the resend stored nothing new");
    }

    [SkippableFact]
    public async Task Files_uploaded_on_one_node_download_on_every_other()
    {
        var cluster = fixture.Require();
        var user = await cluster[0].CreateUserAsync("file");
        var bytes = new byte[300_000];
        Random.Shared.NextBytes(bytes);

        using var upload = cluster[0].Client(ModuleNames.Files, user.Token);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "report.bin" } };
        var uploaded = await upload.PostAsync("/upload", form);
        uploaded.StatusCode.Should().Be(HttpStatusCode.Created, await uploaded.Content.ReadAsStringAsync());
        var file = await uploaded.Content.ReadFromJsonAsync<JsonElement>();
        var id = file.GetProperty("file_id").GetString()!;
        var key = file.GetProperty("key").GetString()!;

        foreach (var node in cluster.Nodes.Skip(1))
        {
            using var download = node.Client(ModuleNames.Files, user.Token);
            var plain = await download.GetAsync($"/download?id={id}&key={key}");
            plain.StatusCode.Should().Be(HttpStatusCode.OK, $"{node} serves a file stored by node1");
            (await plain.Content.ReadAsByteArrayAsync()).Should().Equal(bytes);
            var cipher = await download.GetAsync($"/download?id={id}");
            cipher.StatusCode.Should().Be(HttpStatusCode.OK);
            (await cipher.Content.ReadAsByteArrayAsync()).Should().NotEqual(bytes, "without the key the node serves the ciphertext");
            (await download.GetAsync($"/download?id={id}&key={new string('0', 64)}")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }

        Directory.EnumerateFiles(cluster.FilesDirectory, "*", SearchOption.AllDirectories).Should().NotBeEmpty("the bytes live under the shared Files:Directory");
        foreach (var node in cluster.Nodes)
        {
            Directory.Exists(Path.Combine(node.Process.DataDirectory, "files")).Should().BeFalse($"{node} keeps no file bytes of its own");
        }
    }
}
