using FluentValidation;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

public enum StoreProvider
{
    /// <summary>The embedded default: one SQLite file under the data directory, one node.</summary>
    Sqlite,

    /// <summary>Several nodes as one: every module's tables in one PostgreSQL database (CONTRACT §6).</summary>
    Postgres,
}

/// <summary><c>ZiyadMessenger:Store</c>: where every module keeps its data.</summary>
public sealed class StoreOptions
{
    public const string Section = "ZiyadMessenger:Store";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Npgsql form (<c>Host=…;Database=…;Username=…;Password=…</c>); required for <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    public StoreProvider Kind => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase)
        ? StoreProvider.Postgres
        : StoreProvider.Sqlite;

    public bool IsPostgres => Kind == StoreProvider.Postgres;

    /// <summary>
    /// Read once while services are registered (a module picks its DbContext by it). The same values are
    /// validated on start through the options pattern, so a bad one is still the one-line error.
    /// </summary>
    public static StoreOptions From(IConfiguration configuration)
    {
        var options = new StoreOptions();
        configuration.GetSection(Section).Bind(options);
        return options;
    }
}

internal sealed class StoreOptionsValidator : AbstractValidator<StoreOptions>
{
    public StoreOptionsValidator()
    {
        RuleFor(o => o.Provider)
            .Must(p => p is not null && (p.Equals("sqlite", StringComparison.OrdinalIgnoreCase) || p.Equals("postgres", StringComparison.OrdinalIgnoreCase)))
            .WithMessage(o => $"'{o.Provider}' is not a store provider: use 'sqlite' or 'postgres'.");
        When(o => o.IsPostgres, () =>
        {
            RuleFor(o => o.ConnectionString)
                .NotEmpty().WithMessage("is required when Provider is 'postgres' (Npgsql form: Host=...;Database=...;Username=...;Password=...).")
                .Must(BeAConnectionString).WithMessage("is not a valid Npgsql connection string.");
        });
    }

    private static bool BeAConnectionString(string? value)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return !string.IsNullOrEmpty(builder.Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
