using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Admin.Monitoring;

internal sealed record EndpointStats(
    string Module, string Method, string Route, long Count, long ErrorCount, long ClientErrorCount,
    double AvgMs, double P50Ms, double P95Ms, double P99Ms, double MaxMs, DateTimeOffset LastSeen);

/// <summary>
/// Per-endpoint request metrics, fed by the Host after every request. Two outputs from one feed:
/// System.Diagnostics.Metrics instruments (exported to Prometheus on <c>/metrics</c>), and the JSON
/// the dashboard reads, whose percentiles come from a window of each endpoint's latest requests.
/// </summary>
internal sealed class EndpointMetrics : IRequestObserver, IDisposable
{
    public const string MeterName = "ZiyadMessenger";
    /// <summary>Percentiles over the latest requests of each endpoint: recent enough to show today's trouble.</summary>
    private const int Window = 2048;
    /// <summary>Routes are templates, so the set is bounded; this guards against a flood of unmatched paths anyway.</summary>
    private const int MaxKeys = 1000;

    private readonly Meter _meter = new(MeterName, "1.0");
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _requests;
    private readonly ConcurrentDictionary<(string Module, string Method, string Route), Series> _series = new();

    public EndpointMetrics()
    {
        _duration = _meter.CreateHistogram<double>("ziyad.request.duration", "ms", "Time to answer a request, per module and route.");
        _requests = _meter.CreateCounter<long>("ziyad.requests", "{request}", "Requests answered, per module, route and status class.");
        Started = DateTimeOffset.UtcNow;
    }

    public DateTimeOffset Started { get; }

    public Meter Meter => _meter;

    public void OnRequestCompleted(RequestRecord record)
    {
        try
        {
            // A group's root endpoint comes out as "/admin/roles/": name it as clients call it.
            var route = record.Route is null ? "(unmatched)" : record.Route.Length > 1 ? record.Route.TrimEnd('/') : record.Route;
            var statusClass = record.Status switch { >= 500 => "5xx", >= 400 => "4xx", >= 300 => "3xx", _ => "2xx" };
            var tags = new TagList { { "module", record.Module }, { "method", record.Method }, { "route", route }, { "status_class", statusClass } };
            _duration.Record(record.LatencyMs, tags);
            _requests.Add(1, tags);

            var key = (record.Module, record.Method, route);
            if (!_series.TryGetValue(key, out var series))
            {
                if (_series.Count >= MaxKeys)
                {
                    key = (record.Module, record.Method, "(other)");
                }

                series = _series.GetOrAdd(key, _ => new Series());
            }

            series.Add(record.LatencyMs, record.Status, record.Timestamp);
        }
        catch (Exception)
        {
            // An observer must never fail a request; a lost sample is harmless.
        }
    }

    public IReadOnlyList<EndpointStats> Snapshot() =>
        _series.Select(kv => kv.Value.Stats(kv.Key.Module, kv.Key.Method, kv.Key.Route))
            .OrderBy(s => s.Module, StringComparer.Ordinal).ThenBy(s => s.Route, StringComparer.Ordinal).ThenBy(s => s.Method, StringComparer.Ordinal)
            .ToList();

    public void Dispose() => _meter.Dispose();

    private sealed class Series
    {
        private readonly Lock _lock = new();
        private readonly double[] _window = new double[Window];
        private int _next;
        private int _filled;
        private long _count;
        private long _errors;
        private long _clientErrors;
        private double _sum;
        private double _max;
        private DateTimeOffset _lastSeen;

        public void Add(double ms, int status, DateTimeOffset at)
        {
            lock (_lock)
            {
                _window[_next] = ms;
                _next = (_next + 1) % Window;
                _filled = Math.Min(_filled + 1, Window);
                _count++;
                _sum += ms;
                _max = Math.Max(_max, ms);
                if (status >= 500) _errors++;
                else if (status >= 400) _clientErrors++;
                _lastSeen = at;
            }
        }

        public EndpointStats Stats(string module, string method, string route)
        {
            double[] sorted;
            long count, errors, clientErrors;
            double sum, max;
            DateTimeOffset lastSeen;
            lock (_lock)
            {
                sorted = _window[.._filled];
                count = _count;
                errors = _errors;
                clientErrors = _clientErrors;
                sum = _sum;
                max = _max;
                lastSeen = _lastSeen;
            }

            Array.Sort(sorted);
            return new EndpointStats(module, method, route, count, errors, clientErrors,
                Round(count == 0 ? 0 : sum / count), Round(Percentile(sorted, 0.50)), Round(Percentile(sorted, 0.95)),
                Round(Percentile(sorted, 0.99)), Round(max), lastSeen);
        }

        /// <summary>Nearest-rank percentile.</summary>
        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

        private static double Round(double value) => Math.Round(value, 3);
    }
}
