using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary>
/// What a running .NET process keeps alive, by type: the runtime is asked over its diagnostics port for a
/// heap snapshot (the same events a gcdump is made of: a full blocking GC that reports every live object),
/// and the objects are summed per type. Used to find what an open socket costs the server.
/// </summary>
internal static class HeapCensus
{
    public sealed record TypeTotal(string Type, long Bytes, long Count);

    public sealed record Census(long Bytes, long Objects, IReadOnlyList<TypeTotal> Types);

    public static Census Take(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var providers = new[]
        {
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GCHeapSnapshot),
        };
        using var session = client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 1024);
        var names = new Dictionary<ulong, string>();
        var totals = new Dictionary<ulong, (long Bytes, long Count)>();
        var induced = false;
        var finished = 0;
        using var source = new EventPipeEventSource(session.EventStream);
        source.Clr.TypeBulkType += data =>
        {
            for (var i = 0; i < data.Count; i++)
            {
                var type = data.Values(i);
                names[type.TypeID] = type.TypeName;
            }
        };
        source.Clr.GCBulkNode += data =>
        {
            for (var i = 0; i < data.Count; i++)
            {
                var node = data.Values(i);
                var total = totals.GetValueOrDefault(node.TypeID);
                totals[node.TypeID] = (total.Bytes + (long)node.Size, total.Count + 1);
            }
        };
        source.Clr.GCStart += data => induced |= data.Reason == GCReason.Induced;
        source.Clr.GCStop += gc =>
        {
            // The heap walk is reported during the induced GC; its type names follow shortly after it.
            if (induced && Interlocked.Exchange(ref finished, 1) == 0)
            {
                _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => session.Stop(), TaskScheduler.Default);
            }
        };
        using var deadline = new Timer(_ => session.Stop(), null, timeout, Timeout.InfiniteTimeSpan);
        source.Process();
        if (finished == 0)
        {
            throw new BenchException($"No heap snapshot arrived from process {pid} within {timeout.TotalSeconds:0} s.");
        }

        var types = totals
            .Select(t => new TypeTotal(names.GetValueOrDefault(t.Key, $"type {t.Key}"), t.Value.Bytes, t.Value.Count))
            .OrderByDescending(t => t.Bytes)
            .ToList();
        return new Census(types.Sum(t => t.Bytes), types.Sum(t => t.Count), types);
    }
}
