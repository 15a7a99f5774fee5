using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Health;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Delivery.Cluster;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.ChannelList;
using ZiyadMessenger.Modules.Messaging.ChannelMembers;
using ZiyadMessenger.Modules.Messaging.Deleting;
using ZiyadMessenger.Modules.Messaging.DirectMessages;
using ZiyadMessenger.Modules.Messaging.Editing;
using ZiyadMessenger.Modules.Messaging.History;
using ZiyadMessenger.Modules.Messaging.Mentions;
using ZiyadMessenger.Modules.Messaging.Search;
using ZiyadMessenger.Modules.Messaging.Pins;
using ZiyadMessenger.Modules.Messaging.Reactions;
using ZiyadMessenger.Modules.Messaging.Threads;
using ZiyadMessenger.Modules.Messaging.ReadCursors;
using ZiyadMessenger.Modules.Messaging.Send;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Sending.Postgres;
using ZiyadMessenger.Modules.Messaging.Sending.Sqlite;
using ZiyadMessenger.Modules.Messaging.Search.Postgres;
using ZiyadMessenger.Modules.Messaging.Mentions.Postgres;
using ZiyadMessenger.Modules.Messaging.Users;
using ZiyadMessenger.Modules.Messaging.Views;
using ZiyadMessenger.Modules.Messaging.WebClient;

namespace ZiyadMessenger.Modules.Messaging;

/// <summary>Channels, DMs and durable, ordered delivery over WebSocket (v1 and v2) and HTTP.</summary>
public sealed class MessagingModule : IModule
{
    public string Name => ModuleNames.Messaging;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        services.AddSettings<MessagingOptions, MessagingOptionsValidator>(MessagingOptions.Section);
        services.AddModuleDbContextFactory<MessagingDbContext, PostgresMessagingDbContext>(context, ModuleNames.Messaging, pooled: true);

        services.AddSingleton<ChannelDirectory>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<ChannelService>();
        services.AddSingleton<ChannelAccess>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<TypingThrottle>();
        AddStore(services, context.Store);
        services.AddSingleton<MessageIntake>();
        services.AddSingleton<MessageViews>();
        services.AddSingleton<MessageAccess>();
        services.AddSingleton<ReactionStore>();
        services.AddSingleton<PinStore>();

        services.AddSingleton<MentionResolver>();

        // Hosted services stop in reverse order: the writer drains first, then the fan-out and the
        // notifications it fed, so a graceful shutdown loses nothing that was queued.
        services.AddSingleton<NotificationQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationQueue>());
        services.AddSingleton<LocalFanout>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalFanout>());
        services.AddSingleton<ChannelSignals>();
        if (context.Store.IsPostgres)
        {
            // Several nodes: every event passes the channel sequencer, and crosses to the other nodes.
            services.AddSingleton<ClusterFanout>();
            services.AddSingleton<IFanout>(sp => sp.GetRequiredService<ClusterFanout>());
            services.AddHostedService(sp => sp.GetRequiredService<ClusterFanout>());
        }
        else
        {
            services.AddSingleton<IFanout>(sp => sp.GetRequiredService<LocalFanout>());
        }

        services.AddSingleton<MessageWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        services.AddHostedService<SessionWatch>();
        services.AddHealthChecks()
            .AddStoreCheck(Name, "messaging_messages")
            .AddRunningCheck<MessageWriter>(Name, "message_writer")
            .AddRunningCheck<LocalFanout>(Name, "fanout")
            .AddRunningCheck<NotificationQueue>(Name, "notifications");
    }

    /// <summary>The store's writer, page reader and edits, the search index and the mentions table, for the configured provider.</summary>
    private static void AddStore(IServiceCollection services, StoreOptions store)
    {
        services.AddSingleton<MessageLookups>();
        services.AddSingleton<IMessageStore, MessageStore>();
        if (store.IsPostgres)
        {
            services.AddSingleton<IMessageAppender, PostgresMessageAppender>();
            services.AddSingleton<IHistoryPages, PostgresHistoryPages>();
            services.AddSingleton<IMessageEdits, PostgresMessageEdits>();
            services.AddSingleton<ISearchIndex, PostgresSearchIndex>();
            services.AddSingleton<IMentionStore, PostgresMentionStore>();
            return;
        }

        services.AddSingleton<IMessageAppender, SqliteMessageAppender>();
        services.AddSingleton<IHistoryPages, SqliteHistoryPages>();
        services.AddSingleton<IMessageEdits, SqliteMessageEdits>();
        services.AddSingleton<SqliteSearchIndex>();
        services.AddSingleton<ISearchIndex, SqliteSearch>();
        services.AddSingleton<IMentionStore, SqliteMentionStore>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        WebClientEndpoints.Map(endpoints, endpoints.ServiceProvider.GetRequiredService<MessagingOptions>());

        var api = endpoints.MapGroup("").RequireAuthorization(AuthPolicies.User);
        var maxFrame = endpoints.ServiceProvider.GetRequiredService<MessagingOptions>().EffectiveMaxFrameBytes;

        WebSocketEndpoint.Map(api);
        SendEndpoint.Map(api, maxFrame);
        GetHistoryEndpoint.Map(api);
        ListMyChannelsEndpoint.Map(api);
        GetChannelMembersEndpoint.Map(api);
        OpenDirectEndpoint.Map(api);
        MarkReadEndpoint.Map(api);
        EditMessageEndpoint.Map(api, maxFrame);
        DeleteMessageEndpoint.Map(api);
        GetThreadEndpoint.Map(api);
        ReactionEndpoints.Map(api);
        PinEndpoints.Map(api);
        ListPinsEndpoint.Map(api);
        SearchEndpoint.Map(api);
        MentionsEndpoint.Map(api);
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<MessagingDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        // The search index's triggers are SQLite's (FTS5): PostgreSQL has no such file to repair.
        if (!services.GetRequiredService<StoreOptions>().IsPostgres)
        {
            RepairSearchIndex(services);
        }

        await ChannelService.SeedAsync(db, services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
        await services.GetRequiredService<ChannelDirectory>().LoadAsync(db, cancellationToken);
    }

    /// <summary>A later migration that rebuilt the messages table took the index's triggers with it: put them back.</summary>
    private static void RepairSearchIndex(IServiceProvider services)
    {
        using var connection = SqliteStore.OpenConnection(services.GetRequiredService<StorePaths>());
        if (SearchSchema.EnsureIntact(connection))
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger<MessagingModule>()
                .LogWarning("The search index had lost its triggers (the messages table was rebuilt); they were made again and the index rebuilt");
        }
    }
}

