using System.Reflection;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Tests.Architecture;

public sealed class ModuleBoundaryTests
{
    private static readonly Assembly[] ModuleAssemblies = ZiyadMessenger.Host.ZiyadServer.CreateModules()
        .Select(m => m.GetType().Assembly)
        .ToArray();

    [Fact]
    public void There_are_seven_modules_one_per_name()
    {
        ZiyadMessenger.Host.ZiyadServer.CreateModules().Select(m => m.Name).Should().BeEquivalentTo(ModuleNames.All);
        ModuleAssemblies.Select(a => a.GetName().Name).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void No_module_references_another_module()
    {
        var moduleNames = ModuleAssemblies.Select(a => a.GetName().Name!).ToHashSet();
        foreach (var assembly in ModuleAssemblies)
        {
            var references = assembly.GetReferencedAssemblies().Select(r => r.Name!).Where(moduleNames.Contains);
            references.Should().BeEmpty($"{assembly.GetName().Name} may reference Contracts only");
        }
    }

    [Fact]
    public void Modules_expose_only_their_module_class()
    {
        foreach (var assembly in ModuleAssemblies)
        {
            // EF Core generates migrations as public classes; they carry no behaviour anyone could call.
            var exposed = assembly.GetExportedTypes().Where(t => !typeof(IModule).IsAssignableFrom(t)
                && !typeof(Microsoft.EntityFrameworkCore.Migrations.Migration).IsAssignableFrom(t)
                && !typeof(Microsoft.EntityFrameworkCore.Infrastructure.ModelSnapshot).IsAssignableFrom(t));
            exposed.Should().BeEmpty($"{assembly.GetName().Name} should keep its types internal; Contracts is the public surface");
        }
    }

    [Fact]
    public void Bus_handlers_are_internal()
    {
        var handlerInterfaces = new[]
        {
            typeof(Mediator.IRequestHandler<,>), typeof(Mediator.ICommandHandler<,>), typeof(Mediator.IQueryHandler<,>),
            typeof(Mediator.ICommandHandler<>), typeof(Mediator.INotificationHandler<>),
        };
        var handlers = ModuleAssemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition())));
        handlers.Should().NotBeEmpty();
        handlers.Where(t => t.IsPublic).Should().BeEmpty();
    }
}
