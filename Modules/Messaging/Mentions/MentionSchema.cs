namespace ZiyadMessenger.Modules.Messaging.Mentions;

/// <summary>
/// One row per (mentioned user, message). Written by raw statements (the writer's batch transaction, the
/// edit follow-up), so it is not part of the EF model. A row whose mention an edit took away stays, with
/// <c>Active = 0</c>: it remembers that the user was notified, so putting the mention back does not notify
/// again. Rows go with their message (cascade) when a channel is deleted; a deleted message's rows are
/// hidden by the join with the message.
/// </summary>
internal static class MentionSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS messaging_mentions (
            UserId TEXT NOT NULL,
            MessageId TEXT NOT NULL REFERENCES messaging_messages (Id) ON DELETE CASCADE,
            ChannelId TEXT NOT NULL,
            Seq INTEGER NOT NULL,
            SenderId TEXT NOT NULL,
            Timestamp INTEGER NOT NULL,
            Active INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (UserId, MessageId)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS IX_messaging_mentions_UserId_Timestamp ON messaging_mentions (UserId, Timestamp);
        CREATE INDEX IF NOT EXISTS IX_messaging_mentions_UserId_ChannelId_Seq ON messaging_mentions (UserId, ChannelId, Seq);
        CREATE INDEX IF NOT EXISTS IX_messaging_mentions_MessageId ON messaging_mentions (MessageId);
        """;

    public const string Drop = "DROP TABLE IF EXISTS messaging_mentions;";
}
