using System.Security.Cryptography;

namespace ZiyadMessenger.Modules.Contracts.Security;

/// <summary>The outcome of checking a password against a stored hash.</summary>
public enum PasswordCheck
{
    Failed,
    Succeeded,
    /// <summary>Correct, but hashed with weaker parameters than today's: store a fresh hash.</summary>
    SucceededRehashNeeded,
}

/// <summary>
/// Argon2id password hashing, provided by the Host so every module that keeps passwords (Auth for
/// users, Admin for admins) uses the same parameters and the same self-describing hash format.
/// </summary>
public interface IPasswordHasher
{
    /// <summary>A PHC-style string: <c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c> (salt and hash base64, unpadded).</summary>
    ValueTask<string> HashAsync(string password, CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks <paramref name="password"/>. With no stored hash (unknown account) it still does the work of
    /// one check and fails, so the answer takes as long whether or not the account exists.
    /// </summary>
    ValueTask<PasswordCheck> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken = default);
}

public static class PasswordGenerator
{
    // No look-alikes (0/O, 1/l/I): temporary passwords are read off a screen and typed by hand.
    private const string Alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>A random password from a cryptographic source; 16 characters carry about 93 bits.</summary>
    public static string Generate(int length = 16) => RandomNumberGenerator.GetString(Alphabet, length);
}
