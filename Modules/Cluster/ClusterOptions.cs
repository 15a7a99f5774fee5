using System.Security.Cryptography;
using System.Text;
using FluentValidation;

namespace ZiyadMessenger.Modules.Cluster;

/// <summary>The <c>ZiyadMessenger:Cluster</c> settings.</summary>
internal sealed class ClusterOptions
{
    public const string Section = "ZiyadMessenger:Cluster";
    public const int MinJoinSecretLength = 16;

    private byte[]? _joinSecretHash;

    /// <summary>The secret nodes send to join; empty: only admins may add nodes.</summary>
    public string? JoinSecret { get; set; }

    /// <summary>A node not seen (no /join) for this many seconds is reported unhealthy.</summary>
    public int NodeTimeoutSeconds { get; set; } = 60;

    /// <summary>The address other nodes reach this one at; derived from the bind address and port when empty.</summary>
    public string? AdvertisedAddress { get; set; }

    public TimeSpan NodeTimeout => TimeSpan.FromSeconds(NodeTimeoutSeconds);

    /// <summary>SHA-256 of the join secret, or null when none is set; compared in constant time.</summary>
    public byte[]? JoinSecretHash => string.IsNullOrEmpty(JoinSecret) ? null : _joinSecretHash ??= HashSecret(JoinSecret);

    public static byte[]? HashSecret(string? secret) =>
        string.IsNullOrEmpty(secret) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

internal sealed class ClusterOptionsValidator : AbstractValidator<ClusterOptions>
{
    public ClusterOptionsValidator()
    {
        // The value is a secret: the message never repeats it.
        RuleFor(o => o.JoinSecret).MinimumLength(ClusterOptions.MinJoinSecretLength).When(o => !string.IsNullOrEmpty(o.JoinSecret))
            .WithMessage($"must be at least {ClusterOptions.MinJoinSecretLength} characters (or empty: then only admins may add nodes).");
        RuleFor(o => o.NodeTimeoutSeconds).InclusiveBetween(1, 86_400)
            .WithMessage("'{PropertyValue}' is not between 1 and 86400 seconds (a day).");
    }
}
