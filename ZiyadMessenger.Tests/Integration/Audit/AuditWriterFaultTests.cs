using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Audit.Recording;
using ZiyadMessenger.Modules.Audit.Recording.Sqlite;
using ZiyadMessenger.Modules.Contracts.Audit;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;
using static ZiyadMessenger.Tests.Integration.Audit.AuditTestKit;

namespace ZiyadMessenger.Tests.Integration.Audit;

/// <summary>
/// The audit store is put behind a gate or made to fail (a decorator over the real SQLite store); the
/// rest of the server is real. Shows that recording is off the request path and that failed writes
/// are retried, not dropped.
/// </summary>
public sealed class AuditWriterFaultTests
{
    [Fact]
    public async Task A_login_completes_while_the_audit_store_cannot_write_at_all()
    {
        var gate = new GatedStore();
        await using var host = await TestHost.StartAsync(services: s =>
            s.AddSingleton<IAuditStore>(sp => gate.Wrap(ActivatorUtilities.CreateInstance<SqliteAuditStore>(sp))));
        try
        {
            gate.Close();

            // Register and log in while no audit write can finish. Were recording on the request path,
            // these calls could never return.
            var user = await host.CreateUserAsync();
            var again = await host.Client(ModuleNames.Auth).PostAsJsonAsync("/login", new { username = user.Username, password = user.Password });
            again.StatusCode.Should().Be(HttpStatusCode.OK);
            gate.Blocked.Should().BeGreaterThan(0, "the writer tried to store the entries and is held at the gate");

            gate.Open();
            var admin = await host.AdminTokenAsync();
            var logins = await WaitForEntriesAsync(host, admin, $"?actor={user.Id}&action=auth.login", atLeast: 2);
            logins.Should().HaveCount(2);
        }
        finally
        {
            gate.Open();
        }
    }

    [Fact]
    public async Task Post_log_answers_only_after_its_entry_is_committed()
    {
        var gate = new GatedStore();
        await using var host = await TestHost.StartAsync(services: s =>
            s.AddSingleton<IAuditStore>(sp => gate.Wrap(ActivatorUtilities.CreateInstance<SqliteAuditStore>(sp))));
        try
        {
            var user = await host.CreateUserAsync();
            var admin = await host.AdminTokenAsync();
            gate.Close();
            using var client = host.Client(ModuleNames.Audit, user.Token);

            var post = client.PostAsJsonAsync("/log", new { action = "client.acked" });
            await gate.WaitUntilBlockedAsync();
            post.IsCompleted.Should().BeFalse("the entry is not committed while the store is held");

            gate.Open();
            var response = await post;
            response.StatusCode.Should().Be(HttpStatusCode.Created);
            (await QueryAsync(host, admin, "?action=client.acked")).GetProperty("total").GetInt64().Should().Be(1);
        }
        finally
        {
            gate.Open();
        }
    }

    [Fact]
    public async Task Failed_writes_are_retried_until_they_succeed_and_nothing_is_lost()
    {
        var flaky = new FlakyStore(failures: 3);
        await using var host = await TestHost.StartAsync(services: s =>
            s.AddSingleton<IAuditStore>(sp => flaky.Wrap(ActivatorUtilities.CreateInstance<SqliteAuditStore>(sp))));
        var user = await host.CreateUserAsync();
        var admin = await host.AdminTokenAsync();

        var entry = await RecordAsync(host, user.Token, new { action = "client.retried" });

        flaky.Calls.Should().BeGreaterThan(3, "three attempts failed before one succeeded");
        entry.GetProperty("action").GetString().Should().Be("client.retried");
        await WaitForEntriesAsync(host, admin, $"?actor={user.Id}&action=auth.register");
        await WaitForEntriesAsync(host, admin, $"?actor={user.Id}&action=auth.login");
        var verify = await VerifyAsync(host, admin);
        verify.GetProperty("intact").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Entries_still_queued_at_shutdown_are_written_before_the_server_exits()
    {
        var directory = TestHost.NewDataDirectory();
        var settings = new Dictionary<string, string?> { ["ZiyadMessenger:Admin:InitialPassword"] = "Drain-" + Guid.NewGuid().ToString("N") };
        const int count = 2000;
        try
        {
            await using (var first = await TestHost.StartAsync(settings, directory))
            {
                await using (var scope = first.Services.CreateAsyncScope())
                {
                    var publisher = scope.ServiceProvider.GetRequiredService<Mediator.IPublisher>();
                    for (var i = 0; i < count; i++)
                    {
                        await publisher.Publish(new ZiyadMessenger.Modules.Contracts.Files.FileDownloaded($"f{i}", "drain-actor", false, i));
                    }
                }

                // Stop at once: the writer has had no time to catch up and must drain on the way out.
                await first.StopAsync();
            }

            await using var second = await TestHost.StartAsync(settings, directory);
            var admin = await second.AdminTokenAsync();
            (await QueryAsync(second, admin, "?actor=drain-actor&limit=1")).GetProperty("total").GetInt64().Should().Be(count);
            (await VerifyAsync(second, admin)).GetProperty("intact").GetBoolean().Should().BeTrue();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class GatedStore
    {
        private volatile TaskCompletionSource _open = CompletedGate();
        private int _blocked;
        private readonly TaskCompletionSource _firstBlocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Blocked => Volatile.Read(ref _blocked);

        public IAuditStore Wrap(IAuditStore inner) => new Decorator(this, inner);

        public void Close() => _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public Task WaitUntilBlockedAsync() => _firstBlocked.Task.WaitAsync(TimeSpan.FromSeconds(20));

        private static TaskCompletionSource CompletedGate()
        {
            var gate = new TaskCompletionSource();
            gate.SetResult();
            return gate;
        }

        private sealed class Decorator(GatedStore owner, IAuditStore inner) : IAuditStore
        {
            public async Task<IReadOnlyList<AuditEntryInfo>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
            {
                var gate = owner._open.Task;
                if (!gate.IsCompleted)
                {
                    Interlocked.Increment(ref owner._blocked);
                    owner._firstBlocked.TrySetResult();
                    await gate;
                }

                return await inner.AppendAsync(records, cancellationToken);
            }
        }
    }

    private sealed class FlakyStore(int failures)
    {
        private readonly int _failures = failures;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public IAuditStore Wrap(IAuditStore inner) => new Decorator(this, inner);

        private sealed class Decorator(FlakyStore owner, IAuditStore inner) : IAuditStore
        {
            public Task<IReadOnlyList<AuditEntryInfo>> AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
            {
                if (Interlocked.Increment(ref owner._calls) <= owner._failures)
                {
                    throw new IOException("disk I/O error (injected)");
                }

                return inner.AppendAsync(records, cancellationToken);
            }
        }
    }
}
