using System.Diagnostics;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>
/// The end of a warm-up: waits (under load) until the server's tiered compiler has gone quiet, so a
/// measurement sees the code the server runs for weeks rather than the JIT making it. Measured with the
/// fan-out load (100 members, 4 senders, window 16) on the 2-core machine: in seconds 11–21 after the
/// server started, its ".NET Tiered Com" thread used 28% of the server's CPU time (perf: 15% of the
/// samples in libclrjit at 14–26 s), after 26 s under 4%, at 45–57 s 1%. A 3 s warm-up and a 15 s run fell
/// right into it, and charged a build with more code to tier up for the compiling, not for what it runs.
/// </summary>
internal static class JitSettle
{
    public const double DefaultMaxSeconds = 60;

    /// <summary>The tiered compilation worker's thread name, as /proc shows it (cut at 15 characters).</summary>
    private const string TieredCompilationThread = ".NET Tiered Com";

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    /// <summary>Quiet: the compiler used under 5% of one core over the last window.</summary>
    private const double QuietShare = 0.05;

    /// <summary>How long it waited, and whether the compiler went quiet before <paramref name="maxSeconds"/> (0: do not wait).</summary>
    public static async Task<(double Seconds, bool Settled)> WaitAsync(int? pid, double maxSeconds, CancellationToken cancellationToken)
    {
        if (pid is not { } p || maxSeconds <= 0 || !ProcStats.Available)
        {
            return (0, false);
        }

        var clock = Stopwatch.StartNew();
        var last = ProcStats.ThreadsCpuTime(p, TieredCompilationThread);
        while (clock.Elapsed.TotalSeconds < maxSeconds)
        {
            await Task.Delay(Window, cancellationToken);
            var now = ProcStats.ThreadsCpuTime(p, TieredCompilationThread);
            if ((now - last).TotalSeconds < QuietShare * Window.TotalSeconds)
            {
                return (Math.Round(clock.Elapsed.TotalSeconds, 1), true);
            }

            last = now;
        }

        return (Math.Round(clock.Elapsed.TotalSeconds, 1), false);
    }
}
