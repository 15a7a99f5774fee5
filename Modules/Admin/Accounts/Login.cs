using System.Collections.Concurrent;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Admin;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Security;

namespace ZiyadMessenger.Modules.Admin.Accounts;

internal sealed record AdminLogin(string Username, string Password, string? ClientIp) : ICommand<AdminLoginResult>
{
    // Records print every member; this one carries a password.
    public override string ToString() => $"AdminLogin {{ Username = {Username} }}";
}

internal sealed class AdminLoginValidator : AbstractValidator<AdminLogin>
{
    public AdminLoginValidator()
    {
        RuleFor(x => x.Username).NotEmpty().MaximumLength(64);
        RuleFor(x => x.Password).NotEmpty().MaximumLength(128);
    }
}

/// <summary>
/// Counts failed logins per username, whatever the client IP, so a password cannot be guessed by
/// spreading attempts over addresses (the per-IP rate limit covers the other direction).
/// </summary>
internal sealed class AdminLoginThrottle(AdminSettings settings, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Since)> _failures = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan? LockedFor(string username)
    {
        if (!_failures.TryGetValue(username, out var entry))
        {
            return null;
        }

        var until = entry.Since + settings.LockoutWindow;
        var now = clock.GetUtcNow();
        if (now >= until)
        {
            _failures.TryRemove(username, out _);
            return null;
        }

        return entry.Failures >= settings.LockoutFailures ? until - now : null;
    }

    public void Failed(string username)
    {
        var now = clock.GetUtcNow();
        _failures.AddOrUpdate(username, _ => (1, now),
            (_, e) => now >= e.Since + settings.LockoutWindow ? (1, now) : (e.Failures + 1, e.Since));
    }

    public void Succeeded(string username) => _failures.TryRemove(username, out _);
}

internal sealed class AdminLoginHandler(
    AdminDbContext db,
    IPasswordHasher hasher,
    ITokenIssuer tokens,
    AdminTokenRegistry registry,
    AdminLoginThrottle throttle,
    AdminSettings settings,
    IPublisher publisher,
    TimeProvider clock) : ICommandHandler<AdminLogin, AdminLoginResult>
{
    public async ValueTask<AdminLoginResult> Handle(AdminLogin command, CancellationToken cancellationToken)
    {
        if (throttle.LockedFor(command.Username) is { } wait)
        {
            await publisher.Publish(new AdminLoginFailed(command.Username, "locked_out", command.ClientIp), cancellationToken);
            throw AppException.TooManyRequests("Too many failed logins for this account: wait and try again.", (int)Math.Ceiling(wait.TotalSeconds));
        }

        var admin = await db.Admins.FirstOrDefaultAsync(a => a.Username == command.Username, cancellationToken);
        // Checked even for an unknown name (the hasher does the work of one check), so timing tells nothing.
        var check = await hasher.VerifyAsync(command.Password, admin?.PasswordHash, cancellationToken);
        if (admin is null || check == PasswordCheck.Failed)
        {
            throttle.Failed(command.Username);
            await publisher.Publish(new AdminLoginFailed(command.Username, admin is null ? "unknown_admin" : "wrong_password", command.ClientIp), cancellationToken);
            throw AppException.Unauthorized("Wrong username or password.");
        }

        throttle.Succeeded(command.Username);
        if (check == PasswordCheck.SucceededRehashNeeded)
        {
            admin.PasswordHash = await hasher.HashAsync(command.Password, cancellationToken);
        }

        admin.LastLoginAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        registry.Set(admin.Id, admin.TokenVersion);

        var issued = tokens.Issue(new TokenRequest(TokenAudience.Admin, admin.Id, admin.Username, admin.Role, admin.TokenVersion, settings.TokenLifetime));
        await publisher.Publish(new AdminLoginSucceeded(admin.Id, admin.Username, command.ClientIp), cancellationToken);
        return new AdminLoginResult(issued.Token, AdminView.From(admin), issued.ExpiresAt);
    }
}
