using System.Net;
using System.Net.Http.Json;
using System.Text;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Host;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_stops_accepting_finishes_the_request_in_flight_and_exits_0()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // SIGTERM is a POSIX signal.
        }

        var directory = TestHost.NewDataDirectory();
        try
        {
            // A long grace period: on a loaded machine the steps below may take a while, and the request
            // must still be in flight, not aborted, when the test lets it finish.
            var environment = new Dictionary<string, string> { ["ZiyadMessenger__ShutdownTimeoutSeconds"] = "120" };
            await using (var server = await HostProcess.StartAsync(directory, environment))
            {
                using var http = new HttpClient { BaseAddress = server.Url(ModuleNames.Auth), Timeout = TimeSpan.FromSeconds(60) };
                var body = Encoding.UTF8.GetBytes("{\"username\":\"inflight\",\"full_name\":\"In Flight\",\"password\":\"password-1\",\"role\":\"member\"}");
                var content = new GatedContent(body[..20], body[20..]);
                var inFlight = http.PostAsync("/register", content);
                await content.FirstPartSent.WaitAsync(TimeSpan.FromSeconds(20));
                await Task.Delay(300); // let the server start on the request

                var terminate = server.TerminateAsync(TimeSpan.FromSeconds(90));

                // New connections are refused while the old request is still open.
                var refused = false;
                for (var i = 0; i < 100 && !refused; i++)
                {
                    try
                    {
                        using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                        await fresh.GetAsync(server.Url(ModuleNames.Auth, "/health"));
                        await Task.Delay(100);
                    }
                    catch (HttpRequestException)
                    {
                        refused = true;
                    }
                    catch (TaskCanceledException)
                    {
                        refused = true;
                    }
                }

                refused.Should().BeTrue("the listeners close at SIGTERM");
                server.HasExited.Should().BeFalse("a request is still in flight");

                content.Release();
                var response = await inFlight;
                response.StatusCode.Should().Be(HttpStatusCode.Created, server.Output);
                (await terminate).Should().Be(0);
                server.Output.Should().NotContain("Unhandled");
            }

            // The acknowledged registration was committed: a fresh start finds it.
            await using var again = await HostProcess.StartAsync(directory);
            using var client = new HttpClient { BaseAddress = again.Url(ModuleNames.Auth) };
            var login = await client.PostAsJsonAsync("/login", new { username = "inflight", password = "password-1" });
            login.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A request body sent in two parts, the second only when the test says so.</summary>
    private sealed class GatedContent : HttpContent
    {
        private readonly byte[] _first;
        private readonly byte[] _rest;
        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GatedContent(byte[] first, byte[] rest)
        {
            _first = first;
            _rest = rest;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public Task FirstPartSent => _firstSent.Task;

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_first);
            await stream.FlushAsync();
            _firstSent.TrySetResult();
            await _release.Task;
            await stream.WriteAsync(_rest);
            await stream.FlushAsync();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _first.Length + _rest.Length;
            return true;
        }
    }
}
