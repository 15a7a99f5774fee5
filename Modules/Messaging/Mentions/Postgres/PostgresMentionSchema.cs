namespace ZiyadMessenger.Modules.Messaging.Mentions.Postgres;

/// <summary>The mentions table of <see cref="MentionSchema"/> on PostgreSQL: the same columns, outside the EF model.</summary>
internal static class PostgresMentionSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS messaging_mentions (
            "UserId" text NOT NULL,
            "MessageId" text NOT NULL REFERENCES messaging_messages ("Id") ON DELETE CASCADE,
            "ChannelId" text NOT NULL,
            "Seq" bigint NOT NULL,
            "SenderId" text NOT NULL,
            "Timestamp" bigint NOT NULL,
            "Active" integer NOT NULL DEFAULT 1,
            PRIMARY KEY ("UserId", "MessageId")
        );
        CREATE INDEX IF NOT EXISTS "IX_messaging_mentions_UserId_Timestamp" ON messaging_mentions ("UserId", "Timestamp");
        CREATE INDEX IF NOT EXISTS "IX_messaging_mentions_UserId_ChannelId_Seq" ON messaging_mentions ("UserId", "ChannelId", "Seq");
        CREATE INDEX IF NOT EXISTS "IX_messaging_mentions_MessageId" ON messaging_mentions ("MessageId");
        """;

    public const string Drop = "DROP TABLE IF EXISTS messaging_mentions;";
}
