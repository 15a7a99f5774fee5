using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Modules.Contracts.Persistence;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery;
using ZiyadMessenger.Modules.Messaging.Events;
using ZiyadMessenger.Modules.Messaging.History;
using ZiyadMessenger.Modules.Messaging.Sending;
using ZiyadMessenger.Modules.Messaging.Users;
using ZiyadMessenger.Modules.Messaging.WebClient;

namespace ZiyadMessenger.Modules.Messaging;

/// <summary>Channels, DMs and durable, ordered delivery over WebSocket (v1 and v2) and HTTP.</summary>
public sealed class MessagingModule : IModule
{
    private MessagingOptions _options = new();

    public string Name => ModuleNames.Messaging;

    public void AddServices(IServiceCollection services, ModuleContext context)
    {
        _options = MessagingOptions.From(context.Configuration);
        services.AddSingleton(_options);
        services.AddPooledDbContextFactory<MessagingDbContext>(o => o.UseZiyadSqlite(context.Paths, ModuleNames.Messaging));

        services.AddSingleton<ChannelDirectory>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<ChannelService>();
        services.AddSingleton<ChannelAccess>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<TypingThrottle>();
        services.AddSingleton<SqliteMessageStore>();
        services.AddSingleton<IMessageStore>(sp => sp.GetRequiredService<SqliteMessageStore>());
        services.AddSingleton<MessageIntake>();

        // Hosted services stop in reverse order: the writer drains first, then the fan-out and the
        // notifications it fed, so a graceful shutdown loses nothing that was queued.
        services.AddSingleton<NotificationQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationQueue>());
        services.AddSingleton<LocalFanout>();
        services.AddSingleton<IFanout>(sp => sp.GetRequiredService<LocalFanout>());
        services.AddHostedService(sp => sp.GetRequiredService<LocalFanout>());
        services.AddSingleton<MessageWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageWriter>());
        services.AddHostedService<SessionWatch>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => TypedResults.Ok(new { status = "ok", module = Name }));
        WebClientEndpoints.Map(endpoints, _options);

        var api = endpoints.MapGroup("").RequireAuthorization(AuthPolicies.User);
        var frameLimit = new BodySizeLimitMetadata(_options.EffectiveMaxFrameBytes);

        api.MapGet("/ws", WebSocketEndpoint.HandleAsync);

        api.MapPost("/send", async (SendRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new SendMessage(user.UserId(), body), ct)))
            .WithMetadata(frameLimit);

        api.MapGet("/history", async (
                [FromQuery(Name = "channel_id")] string? channelId, int? limit, long? before, long? after,
                ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetHistory(user.UserId(), channelId, limit, before, after), ct)));

        api.MapGet("/channels", async (ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new ListMyChannels(user.UserId()), ct)));

        api.MapGet("/channel-members", async ([FromQuery(Name = "channel_id")] string? channelId, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new GetChannelMembers(user.UserId(), channelId), ct)));

        api.MapPost("/dm", async (DirectRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new OpenDirect(user.UserId(), body.TargetUserId), ct)));

        api.MapPost("/read", async (ReadRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new MarkRead(user.UserId(), body), ct)));

        api.MapPut("/messages/{id}", async (string id, EditRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
            TypedResults.Ok(await sender.Send(new EditMessage(user.UserId(), id, body), ct)))
            .WithMetadata(frameLimit);

        api.MapDelete("/messages/{id}", async (string id, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
        {
            await sender.Send(new DeleteMessage(user.UserId(), id), ct);
            return TypedResults.NoContent();
        });
    }

    public async Task InitializeAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var contexts = services.GetRequiredService<IDbContextFactory<MessagingDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        await ChannelService.SeedAsync(db, services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
        await services.GetRequiredService<ChannelDirectory>().LoadAsync(db, cancellationToken);
    }
}
