using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZiyadMessenger.Bench.Infrastructure;

internal sealed record TargetCheck(string Name, string Target, object? Actual, bool? Met);

/// <summary>What a scenario measured: sections of figures, the targets it was held to, printed as a table and saved as JSON.</summary>
internal sealed class BenchReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public BenchReport(string scenario, IEnumerable<string> args)
    {
        Scenario = scenario;
        Command = "bench " + string.Join(' ', args);
    }

    public string Scenario { get; }
    public string Command { get; }
    public DateTimeOffset StartedUtc { get; } = DateTimeOffset.UtcNow;
    public Dictionary<string, object?> Machine { get; } = ProcStats.Machine();
    public Dictionary<string, object?> Parameters { get; } = new();
    public Dictionary<string, Dictionary<string, object?>> Sections { get; } = new();
    public List<TargetCheck> Targets { get; } = [];
    public List<string> Notes { get; } = [];
    /// <summary>Failed requests, lost or rejected messages, sockets the server closed: anything a user would notice.</summary>
    public long Errors { get; set; }

    public Dictionary<string, object?> Section(string name)
    {
        if (!Sections.TryGetValue(name, out var section))
        {
            section = new Dictionary<string, object?>();
            Sections[name] = section;
        }

        return section;
    }

    public void Target(string name, string target, double? actual, Func<double, bool> met) =>
        Targets.Add(new TargetCheck(name, target, actual, actual is { } a ? met(a) : null));

    public string ToJson() => JsonSerializer.Serialize(new
    {
        Scenario,
        Command,
        StartedUtc,
        FinishedUtc = DateTimeOffset.UtcNow,
        Machine,
        Parameters,
        Errors,
        Sections,
        Targets,
        Notes,
    }, Json);

    public void Print(TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"== {Scenario} ==  ({Machine["nproc"]} cores, {Machine["cpu_model"]}, {Machine["ram_mb"]} MB RAM, load {Machine["loadavg"]})");
        output.WriteLine("   " + string.Join("  ", Parameters.Select(p => $"{p.Key}={Format(p.Value)}")));
        foreach (var (name, section) in Sections)
        {
            output.WriteLine($"-- {name}");
            var width = section.Keys.Select(k => k.Length).DefaultIfEmpty(0).Max();
            foreach (var (key, value) in section)
            {
                output.WriteLine($"   {key.PadRight(width)}  {Format(value)}");
            }
        }

        output.WriteLine($"-- errors: {Errors}");
        if (Targets.Count > 0)
        {
            output.WriteLine("-- targets");
            foreach (var t in Targets)
            {
                var verdict = t.Met switch { true => "MET", false => "MISSED", null => "n/a" };
                output.WriteLine($"   {verdict,-7} {t.Name}: {Format(t.Actual)} (target {t.Target})");
            }
        }

        foreach (var note in Notes)
        {
            output.WriteLine($"   note: {note}");
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "-",
        double d => d.ToString("#,0.###", CultureInfo.InvariantCulture),
        float f => f.ToString("#,0.###", CultureInfo.InvariantCulture),
        long or int => string.Format(CultureInfo.InvariantCulture, "{0:#,0}", value),
        Dictionary<string, object?> nested => string.Join("  ", nested.Select(p => $"{p.Key}={Format(p.Value)}")),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
