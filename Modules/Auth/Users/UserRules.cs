using System.Text.RegularExpressions;
using FluentValidation;
using ZiyadMessenger.Modules.Auth.Data;
using ZiyadMessenger.Modules.Contracts.Auth;

namespace ZiyadMessenger.Modules.Auth.Users;

/// <summary>The rules a user's fields follow, wherever the user comes from (registration or an admin).</summary>
internal static partial class UserRules
{
    public const int PasswordMin = 8;
    public const int PasswordMax = 128;
    public const int FullNameMax = 80;
    public const int RoleMax = 40;
    public const string DefaultRole = "member";

    /// <summary>Roles that belong to admin accounts; a user may never give one to themself.</summary>
    public static readonly IReadOnlySet<string> PrivilegedRoles = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "admin", "super_admin" };

    [GeneratedRegex("^[a-zA-Z0-9_.-]{3,32}$", RegexOptions.CultureInvariant)]
    public static partial Regex UsernamePattern();

    /// <summary>Usernames are ASCII, so lower-casing them is the whole of case-insensitive comparison.</summary>
    public static string KeyOf(string username) => username.ToLowerInvariant();

    public static IRuleBuilderOptions<T, string> ValidUsername<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("username is required.")
            .Matches(UsernamePattern()).WithMessage("username must be 3-32 characters: letters, digits, '_', '.' or '-'.");

    public static IRuleBuilderOptions<T, string> ValidPassword<T>(this IRuleBuilder<T, string> rule, string field = "password") =>
        rule.NotEmpty().WithMessage($"{field} is required.")
            .Length(PasswordMin, PasswordMax).WithMessage($"{field} must be {PasswordMin}-{PasswordMax} characters.");

    public static IRuleBuilderOptions<T, string?> ValidFullName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("full_name is required.")
            .Must(v => v is null || v.Trim().Length is > 0 and <= FullNameMax).WithMessage($"full_name must be 1-{FullNameMax} characters.")
            .Must(NoControlCharacters).WithMessage("full_name must not contain control characters.");

    public static IRuleBuilderOptions<T, string?> ValidRole<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("role is required.")
            .Must(v => v is null || v.Trim().Length is > 0 and <= RoleMax).WithMessage($"role must be 1-{RoleMax} characters.")
            .Must(NoControlCharacters).WithMessage("role must not contain control characters.");

    public static bool NoControlCharacters(string? value) => value is null || !value.Any(char.IsControl);

    public static UserInfo ToInfo(this AuthUser user) => new(
        user.Id, user.Username, user.FullName, user.Role, user.DepartmentId, user.IsActive, user.CreatedAt, user.UpdatedAt, user.LastLoginAt);
}
