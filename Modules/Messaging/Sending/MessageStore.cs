namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>
/// The store as the rest of Messaging sees it, made of the provider's writer, page reader and edits
/// (<c>Sending/Sqlite</c> or <c>Sending/Postgres</c>, chosen by <c>Store:Provider</c>) and the lookups
/// by id, which are plain EF Core on both.
/// </summary>
internal sealed class MessageStore(IMessageAppender appender, IHistoryPages pages, IMessageEdits edits, MessageLookups lookups) : IMessageStore
{
    public IReadOnlyList<AppendOutcome> Append(IReadOnlyList<PendingMessage> batch, long timestamp) => appender.Append(batch, timestamp);

    public bool DurableOnCommit => appender.DurableOnCommit;

    public void SyncToDisk() => appender.SyncToDisk();

    public Task<IReadOnlyList<StoredMessage>> ReadAsync(string channelId, long? before, long? after, int limit, CancellationToken cancellationToken) =>
        pages.ReadAsync(channelId, before, after, limit, cancellationToken);

    public Task<StoredMessage?> FindAsync(string messageId, CancellationToken cancellationToken) => lookups.FindAsync(messageId, cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> FindManyAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken) =>
        lookups.FindManyAsync(messageIds, cancellationToken);

    public Task<IReadOnlyList<StoredMessage>> ReadRepliesAsync(string rootId, long after, int limit, CancellationToken cancellationToken) =>
        lookups.ReadRepliesAsync(rootId, after, limit, cancellationToken);

    public Task<StoredMessage?> EditAsync(string messageId, int type, byte[] content, string? nonce, string? signature, long editedAt, CancellationToken cancellationToken) =>
        edits.EditAsync(messageId, type, content, nonce, signature, editedAt, cancellationToken);

    public Task<StoredMessage?> DeleteAsync(string messageId, long deletedAt, CancellationToken cancellationToken) =>
        edits.DeleteAsync(messageId, deletedAt, cancellationToken);
}
