using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ZiyadMessenger.Modules.Contracts.Hosting;

namespace ZiyadMessenger.Modules.Contracts.Persistence;

/// <summary>
/// Registers a module's DbContext on the configured provider. Each provider has its own migrations, so
/// each has its own context type: the module's context for SQLite (its migrations predate PostgreSQL and
/// keep their ids), and a subclass for PostgreSQL whose migrations live in <c>Data/Migrations/Postgres</c>.
/// Consumers always ask for the module's context type.
/// </summary>
public static class ModuleStore
{
    public static IServiceCollection AddModuleDbContext<TContext, TPostgresContext>(this IServiceCollection services, ModuleContext context, string module)
        where TContext : DbContext
        where TPostgresContext : TContext
    {
        if (context.Store.IsPostgres)
        {
            services.AddDbContext<TContext, TPostgresContext>((sp, o) => o.UseZiyadPostgres(sp.GetRequiredService<NpgsqlDataSource>(), module));
        }
        else
        {
            services.AddDbContext<TContext>(o => o.UseZiyadSqlite(context.Paths, module));
        }

        return services;
    }

    /// <summary>A factory for contexts used outside a request scope (background writers, socket loops).</summary>
    public static IServiceCollection AddModuleDbContextFactory<TContext, TPostgresContext>(this IServiceCollection services, ModuleContext context, string module, bool pooled = false)
        where TContext : DbContext
        where TPostgresContext : TContext
    {
        if (context.Store.IsPostgres)
        {
            if (pooled)
            {
                services.AddPooledDbContextFactory<TPostgresContext>((sp, o) => o.UseZiyadPostgres(sp.GetRequiredService<NpgsqlDataSource>(), module));
            }
            else
            {
                services.AddDbContextFactory<TPostgresContext>((sp, o) => o.UseZiyadPostgres(sp.GetRequiredService<NpgsqlDataSource>(), module));
            }

            services.AddSingleton<IDbContextFactory<TContext>, UpcastFactory<TContext, TPostgresContext>>();
        }
        else if (pooled)
        {
            services.AddPooledDbContextFactory<TContext>(o => o.UseZiyadSqlite(context.Paths, module));
        }
        else
        {
            services.AddDbContextFactory<TContext>(o => o.UseZiyadSqlite(context.Paths, module));
        }

        return services;
    }

    private sealed class UpcastFactory<TContext, TPostgresContext>(IDbContextFactory<TPostgresContext> inner) : IDbContextFactory<TContext>
        where TContext : DbContext
        where TPostgresContext : TContext
    {
        public TContext CreateDbContext() => inner.CreateDbContext();
    }
}
