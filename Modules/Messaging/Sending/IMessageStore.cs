namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// Where messages live: SQLite on one node, PostgreSQL for several (<see cref="MessageStore"/> puts the
/// provider's parts together). The WebSocket and HTTP code sees only this. <see cref="Append"/> is only
/// ever called by the single writer, one batch at a time.
/// </summary>
internal interface IMessageStore
{
    /// <summary>
    /// Stores the batch in one transaction, assigning each new message the next seq of its channel;
    /// <c>result[i]</c> belongs to <c>batch[i]</c>. Throws if the transaction could not commit.
    /// </summary>
    IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp);

    /// <inheritdoc cref="IMessageAppender.DurableOnCommit"/>
    bool DurableOnCommit { get; }

    /// <inheritdoc cref="IMessageAppender.SyncToDisk"/>
    void SyncToDisk();

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

/// <summary>The write path of a store: one batch, one transaction (see <see cref="IMessageStore.Append"/>).</summary>
internal interface IMessageAppender
{
    IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp);

    /// <summary>
    /// Whether a batch is on disk once <see cref="Append"/> returns. When it is not, the writer calls
    /// <see cref="SyncToDisk"/> before it delivers or acknowledges the batch.
    /// </summary>
    bool DurableOnCommit { get; }

    /// <summary>
    /// Makes every batch <see cref="Append"/> has returned durable. Called from another thread than
    /// <see cref="Append"/>, while <see cref="Append"/> may be running; throws if the disk refused.
    /// </summary>
    void SyncToDisk();
}

/// <summary>History pages of one channel: the newest <c>limit</c> below <c>before</c>, or the oldest above <c>after</c>; ascending.</summary>
internal interface IHistoryPages
{
    Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long? before, long? after, int limit, CancellationToken cancellationToken);
}

/// <summary>Edits and deletes of stored messages, with what hangs on them (search index, reactions, pins, reply counts).</summary>
internal interface IMessageEdits
{
    Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt, CancellationToken cancellationToken);

    Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken);
}
