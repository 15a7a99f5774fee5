using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>CPU time and memory of a process, read from /proc (Linux); zeros elsewhere.</summary>
internal static class ProcStats
{
    // /proc reports CPU time in USER_HZ, which the kernel ABI fixes at 100 on every architecture we run on.
    private const long ClockTicks = 100;

    public static bool Available => File.Exists("/proc/self/stat");

    /// <summary>User + system CPU time of the process so far.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name may hold spaces and parentheses; the fields after the last ')' are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds((double)ticks / ClockTicks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>
    /// User + system CPU time so far of the process's threads whose name starts with <paramref name="namePrefix"/>
    /// (/proc/PID/task/*/comm, which the kernel cuts at 15 characters), so threads that ended are not counted.
    /// </summary>
    public static TimeSpan ThreadsCpuTime(int pid, string namePrefix)
    {
        long ticks = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(namePrefix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                    // The thread ended while we read it.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return TimeSpan.Zero;
        }

        return TimeSpan.FromSeconds((double)ticks / ClockTicks);
    }

    /// <summary>Resident set size in bytes (VmRSS), or the peak so far (VmHWM).</summary>
    public static long Rss(int pid, bool peak = false) => StatusKb(pid, peak ? "VmHWM:" : "VmRSS:") * 1024;

    private static long StatusKb(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return 0;
    }

    /// <summary>Busy and total jiffies of the whole machine, to tell how loaded it was by others.</summary>
    public static (long Busy, long Total) MachineCpu()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var idle = first[3] + (first.Length > 4 ? first[4] : 0);
            var total = first.Take(8).Sum();
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0);
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "";
        }
    }

    public static Dictionary<string, object?> Machine()
    {
        string? cpuModel = null;
        long memKb = 0;
        try
        {
            cpuModel = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var mem = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            memKb = long.Parse(mem["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
        }

        return new Dictionary<string, object?>
        {
            ["nproc"] = Environment.ProcessorCount,
            ["cpu_model"] = cpuModel ?? RuntimeInformation.ProcessArchitecture.ToString(),
            ["ram_mb"] = memKb / 1024,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["loadavg"] = LoadAverage(),
        };
    }
}

/// <summary>CPU used and memory of a process over an interval, and of the machine as a whole (others' load).</summary>
internal sealed class ResourceWindow
{
    private readonly int? _pid;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _cpuStart;
    private readonly TimeSpan _selfCpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly (long Busy, long Total) _machineStart = ProcStats.MachineCpu();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private long _peakRss;

    public ResourceWindow(int? pid)
    {
        _pid = pid;
        _cpuStart = pid is { } p ? ProcStats.CpuTime(p) : TimeSpan.Zero;
        RssStart = pid is { } q ? ProcStats.Rss(q) : 0;
        _peakRss = RssStart;
        _sampler = pid is null ? Task.CompletedTask : SampleAsync(pid.Value, _stop.Token);
    }

    public long RssStart { get; }

    private async Task SampleAsync(int pid, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var rss = ProcStats.Rss(pid);
                if (rss > Volatile.Read(ref _peakRss))
                {
                    Volatile.Write(ref _peakRss, rss);
                }

                await Task.Delay(25, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task<Dictionary<string, object?>> StopAsync()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        await _stop.CancelAsync();
        await _sampler;
        var machine = ProcStats.MachineCpu();
        var busy = machine.Busy - _machineStart.Busy;
        var total = machine.Total - _machineStart.Total;
        var selfCpu = (Process.GetCurrentProcess().TotalProcessorTime - _selfCpuStart).TotalSeconds;
        var result = new Dictionary<string, object?>
        {
            ["seconds"] = Math.Round(seconds, 2),
            ["bench_cpu_cores"] = Math.Round(selfCpu / seconds, 2),
            ["machine_cpu_busy_pct"] = total > 0 ? Math.Round(100.0 * busy / total, 1) : null,
        };
        if (_pid is { } pid)
        {
            var rssEnd = ProcStats.Rss(pid);
            var peak = Math.Max(Volatile.Read(ref _peakRss), rssEnd);
            result["server_cpu_cores"] = Math.Round((ProcStats.CpuTime(pid) - _cpuStart).TotalSeconds / seconds, 2);
            result["server_rss_mb_start"] = Mb(RssStart);
            result["server_rss_mb_end"] = Mb(rssEnd);
            result["server_rss_mb_peak"] = Mb(peak);
            result["server_rss_growth_mb"] = Mb(peak - RssStart);
        }

        return result;
    }

    public static double Mb(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);
}
