using FluentValidation;

namespace ZiyadMessenger.Modules.Messaging;

/// <summary><c>ZiyadMessenger:Messaging</c>. Defaults suit an office LAN; tests shrink the queues.</summary>
internal sealed class MessagingOptions
{
    public const string Section = "ZiyadMessenger:Messaging";

    /// <summary>Largest decoded message content.</summary>
    public int MaxContentBytes { get; set; } = 64 * 1024;
    /// <summary>Largest WebSocket frame a client may send; 0 derives it from <see cref="MaxContentBytes"/>.</summary>
    public int MaxFrameBytes { get; set; }
    /// <summary>Frames a socket may have waiting before it counts as too slow and is closed.</summary>
    public int SocketQueueFrames { get; set; } = 8192;
    /// <summary>Bytes a socket may have waiting before it counts as too slow and is closed.</summary>
    public long SocketQueueBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>Sends waiting for the writer; senders wait (back-pressure) when it is full.</summary>
    public int WriteQueueCapacity { get; set; } = 16384;
    /// <summary>Most messages committed in one transaction.</summary>
    public int MaxBatchSize { get; set; } = 1024;
    /// <summary>How often open sockets have their token re-checked (logout, expiry).</summary>
    public int TokenRecheckSeconds { get; set; } = 10;
    /// <summary>A user's typing is announced at most once per channel per this many milliseconds.</summary>
    public int TypingIntervalMilliseconds { get; set; } = 3000;

    public int EffectiveMaxFrameBytes => MaxFrameBytes > 0
        ? MaxFrameBytes
        : (MaxContentBytes + 2) / 3 * 4 + 16 * 1024;

}

internal sealed class MessagingOptionsValidator : AbstractValidator<MessagingOptions>
{
    public MessagingOptionsValidator()
    {
        RuleFor(o => o.MaxContentBytes).InclusiveBetween(1, 16 * 1024 * 1024)
            .WithMessage("'{PropertyValue}' is not between 1 and 16777216 bytes.");
        RuleFor(o => o.MaxFrameBytes).InclusiveBetween(0, 64 * 1024 * 1024)
            .WithMessage("'{PropertyValue}' is not between 0 (derived from MaxContentBytes) and 67108864 bytes.");
        RuleFor(o => o.SocketQueueFrames).GreaterThanOrEqualTo(1)
            .WithMessage("'{PropertyValue}' is not 1 or more frames.");
        RuleFor(o => o.SocketQueueBytes).GreaterThanOrEqualTo(64 * 1024)
            .WithMessage("'{PropertyValue}' is not 65536 bytes or more.");
        RuleFor(o => o.WriteQueueCapacity).GreaterThanOrEqualTo(1)
            .WithMessage("'{PropertyValue}' is not 1 or more.");
        RuleFor(o => o.MaxBatchSize).InclusiveBetween(1, 100_000)
            .WithMessage("'{PropertyValue}' is not between 1 and 100000 messages.");
        RuleFor(o => o.TokenRecheckSeconds).InclusiveBetween(1, 3600)
            .WithMessage("'{PropertyValue}' is not between 1 and 3600 seconds.");
        RuleFor(o => o.TypingIntervalMilliseconds).InclusiveBetween(0, 60_000)
            .WithMessage("'{PropertyValue}' is not between 0 and 60000 milliseconds.");
    }
}
