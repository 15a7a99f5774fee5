using System.Security.Claims;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using ZiyadMessenger.Modules.Contracts.Security;
using ZiyadMessenger.Modules.Messaging.Channels;
using ZiyadMessenger.Modules.Messaging.Data;
using ZiyadMessenger.Modules.Messaging.Delivery;

namespace ZiyadMessenger.Modules.Messaging.ReadCursors;

internal sealed record ReadRequest(string? ChannelId, long? Seq);

/// <summary><c>POST /read</c> and the v2 <c>read</c> event: moves the caller's read cursor, never backwards.</summary>
internal sealed record MarkRead(string UserId, string? ChannelId, long? Seq) : ICommand<ReadResponse>
{
    public MarkRead(string userId, ReadRequest body) : this(userId, body.ChannelId, body.Seq)
    {
    }
}

internal sealed record ReadResponse(string ChannelId, long LastReadSeq);

internal sealed class MarkReadValidator : AbstractValidator<MarkRead>
{
    public MarkReadValidator()
    {
        RuleFor(c => c.ChannelId).NotEmpty().WithMessage("channel_id is required.");
        RuleFor(c => c.Seq).NotNull().GreaterThanOrEqualTo(0).WithMessage("seq is required (0 or more).");
    }
}

internal sealed class MarkReadHandler(ChannelAccess access, IDbContextFactory<MessagingDbContext> contexts, IFanout fanout)
    : ICommandHandler<MarkRead, ReadResponse>
{
    public async ValueTask<ReadResponse> Handle(MarkRead command, CancellationToken cancellationToken)
    {
        var (channelId, channel) = await access.ForReadAsync(command.UserId, command.ChannelId!, cancellationToken);
        if (channel is null)
        {
            return new ReadResponse(channelId, 0);
        }

        // A cursor past the newest message would hide messages that have not been written yet.
        var target = Math.Min(command.Seq!.Value, channel.LastSeq);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var userId = command.UserId;
        var moved = await db.Database.ExecuteSqlInterpolatedAsync(
            // Quoted names: the same statement on SQLite and PostgreSQL (which folds unquoted names to lower case).
            $"INSERT INTO messaging_read_cursors (\"UserId\", \"ChannelId\", \"Seq\") VALUES ({userId}, {channelId}, {target}) ON CONFLICT (\"UserId\", \"ChannelId\") DO UPDATE SET \"Seq\" = excluded.\"Seq\" WHERE excluded.\"Seq\" > messaging_read_cursors.\"Seq\"",
            cancellationToken);
        var current = await db.ReadCursors.Where(r => r.UserId == userId && r.ChannelId == channelId).Select(r => r.Seq).FirstOrDefaultAsync(cancellationToken);
        if (moved > 0)
        {
            fanout.Publish(new ReadMoved(channelId, userId, current));
        }

        return new ReadResponse(channelId, current);
    }
}

internal static class MarkReadEndpoint
{
    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/read", async Task<Ok<ReadResponse>> (ReadRequest body, ClaimsPrincipal user, ISender sender, CancellationToken ct) =>
                TypedResults.Ok(await sender.Send(new MarkRead(user.UserId(), body), ct)))
            .Describe("MarkRead", "Moves the caller's read cursor in a channel forward (never backwards).", 400, 403, 404);
}
