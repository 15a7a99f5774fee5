using FluentValidation;

namespace ZiyadMessenger.Host.Hosting;

/// <summary>
/// The host's own settings under <c>ZiyadMessenger</c> that DI serves (the ports, bind address and data
/// directory are <see cref="ServerSettings"/>: Kestrel needs them before there is a container).
/// </summary>
internal sealed class ServerLimits
{
    /// <summary>How long a stop waits for requests and sockets to finish.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 15;
    public BodyLimits Limits { get; set; } = new();

    internal sealed class BodyLimits
    {
        /// <summary>The largest request body of an endpoint that sets no limit of its own (413 above).</summary>
        public long DefaultMaxBodyBytes { get; set; } = 262144;
    }
}

internal sealed class ServerLimitsValidator : AbstractValidator<ServerLimits>
{
    public ServerLimitsValidator()
    {
        RuleFor(o => o.ShutdownTimeoutSeconds).InclusiveBetween(0, 3600)
            .WithMessage("'{PropertyValue}' is not between 0 and 3600 seconds.");
        RuleFor(o => o.Limits.DefaultMaxBodyBytes).InclusiveBetween(1024, 64L * 1024 * 1024)
            .WithMessage("'{PropertyValue}' is not between 1024 and 67108864 bytes.");
    }
}
