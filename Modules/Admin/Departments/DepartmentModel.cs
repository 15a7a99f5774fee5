using FluentValidation;
using ZiyadMessenger.Modules.Admin.Data;
using ZiyadMessenger.Modules.Contracts.Errors;

namespace ZiyadMessenger.Modules.Admin.Departments;

internal sealed record DepartmentView(string Id, string Name, string Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DepartmentView From(Department d) => new(d.Id, d.Name, d.Description, d.CreatedAt, d.UpdatedAt);
}

/// <summary>The body of a department create or (partial) update, for the API description.</summary>
internal sealed record DepartmentBody(string? Name, string? Description);

internal static class DepartmentRules
{
    public static IRuleBuilderOptions<T, string> DepartmentName<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().MaximumLength(80).Must(n => n.Trim().Length > 0).WithMessage("Name must not be blank.");

    public static string Conflict(string name) => $"A department named '{name}' already exists.";

    public static AppException NotFound(string id) => AppException.NotFound($"No department with id '{id}'.");
}
