using System.Globalization;

namespace ZiyadMessenger.Bench.Infrastructure;

/// <summary><c>--name value</c> and <c>--flag</c> arguments; every scenario reads what it needs and reports unknown ones.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    public BenchOptions(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{arg}'; options look like --name value.");
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = list[++i];
            }

            _values[name] = value;
        }
    }

    public IReadOnlyDictionary<string, string?> All => _values;

    public bool Has(string name)
    {
        _read.Add(name);
        return _values.ContainsKey(name);
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var v) && (v is null || v is "true" or "1" or "yes");
    }

    public string? String(string name, string? fallback = null)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var v) && v is not null ? v : fallback;
    }

    public int Int(string name, int fallback) => (int)Long(name, fallback);

    public long Long(string name, long fallback)
    {
        var s = String(name);
        if (s is null)
        {
            return fallback;
        }

        var multiplier = 1L;
        if (s.EndsWith('k') || s.EndsWith('K'))
        {
            multiplier = 1_000;
            s = s[..^1];
        }
        else if (s.EndsWith('m') || s.EndsWith('M'))
        {
            multiplier = 1_000_000;
            s = s[..^1];
        }

        return long.TryParse(s.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n * multiplier
            : throw new ArgumentException($"--{name} expects a whole number, got '{s}'.");
    }

    public double Double(string name, double fallback)
    {
        var s = String(name);
        return s is null
            ? fallback
            : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw new ArgumentException($"--{name} expects a number, got '{s}'.");
    }

    /// <summary>Options given but never read by the scenario: most likely a typo, so the run refuses them.</summary>
    public IReadOnlyList<string> Unread() => _values.Keys.Where(k => !_read.Contains(k)).ToList();
}
