namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// Where messages live. One node keeps them in SQLite; a multi-node deployment can put another store
/// behind this without touching the WebSocket or HTTP code. <see cref="Append"/> is only ever called by
/// the single writer, one batch at a time.
/// </summary>
internal interface IMessageStore
{
    /// <summary>
    /// Stores the batch in one transaction, assigning each new message the next seq of its channel;
    /// <c>result[i]</c> belongs to <c>batch[i]</c>. Throws if the transaction could not commit.
    /// </summary>
    IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp);

    Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long? before, long? after, int limit, CancellationToken cancellationToken);

    Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken);

    /// <summary>The messages with these ids that exist, in no particular order.</summary>
    Task<IReadOnlyList<StoredMessage>> FindManyAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken);

    /// <summary>A thread's replies with a seq above <paramref name="after"/>, ascending.</summary>
    Task<IReadOnlyList<StoredMessage>> ReadRepliesAsync(string rootId, long after, int limit, CancellationToken cancellationToken);

    Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt, CancellationToken cancellationToken);

    /// <summary>Leaves a tombstone; the message's reactions and pin go with it, and a reply stops counting on its root.</summary>
    Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken);
}
