using System.Security.Cryptography;
using System.Text;

namespace ZiyadMessenger.Modules.Cluster;

internal sealed class ClusterOptions
{
    /// <summary>A node not seen (no /join) for this long is reported unhealthy.</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>SHA-256 of <c>ZiyadMessenger:Cluster:JoinSecret</c>, or null when none is set. The secret itself is not kept.</summary>
    public byte[]? JoinSecretHash { get; init; }

    public static byte[]? HashSecret(string? secret) =>
        string.IsNullOrEmpty(secret) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
