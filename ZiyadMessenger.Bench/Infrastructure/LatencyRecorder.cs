using HdrHistogram;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>Latencies in microseconds, in an HdrHistogram (1 µs to 2 min, 3 significant digits), striped to keep locks short.</summary>
internal sealed class LatencyRecorder
{
    private const long Highest = 120_000_000;
    private readonly LongHistogram[] _stripes;

    public LatencyRecorder(int stripes = 8)
    {
        _stripes = Enumerable.Range(0, stripes).Select(_ => new LongHistogram(Highest, 3)).ToArray();
    }

    public void Record(double micros, int stripe = 0)
    {
        var value = Math.Clamp((long)micros, 1, Highest);
        var histogram = _stripes[(uint)stripe % _stripes.Length];
        lock (histogram)
        {
            histogram.RecordValue(value);
        }
    }

    public Dictionary<string, object?> Summary()
    {
        var all = new LongHistogram(Highest, 3);
        foreach (var stripe in _stripes)
        {
            lock (stripe)
            {
                all.Add(stripe);
            }
        }

        return Summarize(all);
    }

    public static Dictionary<string, object?> Summarize(LongHistogram histogram)
    {
        static double Ms(double micros) => Math.Round(micros / 1000.0, 3);
        var n = histogram.TotalCount;
        return new Dictionary<string, object?>
        {
            ["count"] = n,
            ["p50_ms"] = n == 0 ? null : Ms(histogram.GetValueAtPercentile(50)),
            ["p95_ms"] = n == 0 ? null : Ms(histogram.GetValueAtPercentile(95)),
            ["p99_ms"] = n == 0 ? null : Ms(histogram.GetValueAtPercentile(99)),
            ["p999_ms"] = n == 0 ? null : Ms(histogram.GetValueAtPercentile(99.9)),
            ["max_ms"] = n == 0 ? null : Ms(histogram.GetMaxValue()),
            ["mean_ms"] = n == 0 ? null : Ms(histogram.GetMean()),
        };
    }
}
