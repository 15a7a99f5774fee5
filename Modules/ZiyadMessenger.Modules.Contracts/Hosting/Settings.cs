using FluentValidation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ZiyadMessenger.Modules.Contracts.Hosting;

/// <summary>
/// The one way a module or the Host reads its settings: an options class bound to its configuration
/// section, checked by a FluentValidation validator when the server starts (before migrations, before
/// any listener opens). A value that cannot work ends the start with one line naming the setting,
/// <c>Configuration error: ZiyadMessenger:Presence:OfflineAfterSeconds: '0' ...</c>, and exit code 78.
/// </summary>
public static class Settings
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validates it on start with
    /// <typeparamref name="TValidator"/>, and registers the bound instance itself as a singleton so
    /// consumers take the options class directly.
    /// </summary>
    public static OptionsBuilder<TOptions> AddSettings<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidator<TOptions>, new()
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<TOptions>>().Value);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new SettingsValidation<TOptions>(section, new TValidator())));
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Turns a validator's failures into lines naming the full setting: <c>Section:Property: message</c>.</summary>
    private sealed class SettingsValidation<TOptions>(string section, IValidator<TOptions> validator) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var result = validator.Validate(options);
            return result.IsValid
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(result.Errors.Select(e => $"{section}:{e.PropertyName.Replace('.', ':')}: {e.ErrorMessage}"));
        }
    }
}
