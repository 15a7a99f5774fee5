using System.Collections.Concurrent;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Messaging;

/// <summary>SIGTERM in the middle of a burst: the server drains its queue and exits cleanly.</summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task A_graceful_stop_mid_burst_loses_nothing_that_was_acked()
    {
        var data = TestHost.NewDataDirectory();
        try
        {
            List<CrashSafetyTests.Client> clients;
            var acked = new ConcurrentDictionary<string, CrashSafetyTests.Acked>();
            var sent = new ConcurrentDictionary<string, CrashSafetyTests.Client>();
            await using (var host = await CrashSafetyTests.StartAsync(data))
            {
                clients = await CrashSafetyTests.PrepareClientsAsync(host);
                using var stop = new CancellationTokenSource();
                var bursts = clients.Select((c, k) => CrashSafetyTests.BurstAsync(host, c, $"g{k}", acked, sent, stop.Token)).ToList();
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
                while (acked.Count < 200 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(20);
                }

                acked.Should().NotBeEmpty();
                (await host.TerminateAsync(TimeSpan.FromSeconds(60))).Should().Be(0, "a graceful stop drains the queue and exits cleanly");
                stop.Cancel();
                await Task.WhenAll(bursts);
            }

            await using var restarted = await CrashSafetyTests.StartAsync(data);
            await CrashSafetyTests.VerifyAsync(restarted, clients, acked);
        }
        finally
        {
            CrashSafetyTests.TryDelete(data);
        }
    }
}
