using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Host.Hosting;

namespace ZiyadMessenger.Tests.Unit.Host;

/// <summary>What decides the server's exit code after it stopped: a background loop that failed makes it 1, not 0.</summary>
public sealed class FailedServicesTests
{
    [Fact]
    public async Task A_loop_that_failed_stops_the_host_and_is_named_afterwards()
    {
        using var host = Build(services => services.AddHostedService<Steady>().AddHostedService<Breaks>());
        await host.StartAsync();

        // The host's default for a failed loop: it stops, and returns as from a clean stop.
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10));
        await host.StopAsync();

        FailedServices.Of(host.Services).Should().Equal(nameof(Breaks));
    }

    [Fact]
    public async Task A_clean_stop_names_nothing()
    {
        using var host = Build(services => services.AddHostedService<Steady>());
        await host.StartAsync();
        await host.StopAsync();

        FailedServices.Of(host.Services).Should().BeEmpty();
    }

    private static IHost Build(Action<IServiceCollection> configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        configure(builder.Services);
        return builder.Build();
    }

    private sealed class Steady : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Delay(Timeout.Infinite, stoppingToken)
            .ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private sealed class Breaks : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken);
            throw new InvalidOperationException("The loop broke.");
        }
    }
}
