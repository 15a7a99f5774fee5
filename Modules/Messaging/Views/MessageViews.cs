using ZiyadMessenger.Modules.Messaging.Reactions;
using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Views;

/// <summary>
/// Turns stored messages into the wire's message objects with everything that lives beside them
/// (reactions: one query per page). Every endpoint that answers with messages (history, threads, pins,
/// search) goes through here, so a message looks the same wherever it appears.
/// </summary>
internal sealed class MessageViews(ReactionStore reactions)
{
    public async Task<IReadOnlyList<MessageView>> ToViewsAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        var views = new MessageView[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            views[i] = messages[i].ToView();
        }

        return await WithReactionsAsync(views, cancellationToken);
    }

    public async Task<MessageView> ToViewAsync(StoredMessage message, CancellationToken cancellationToken) =>
        (await ToViewsAsync([message], cancellationToken))[0];

    /// <summary>The same views with their reactions filled in (for listings that build their views themselves).</summary>
    public async Task<IReadOnlyList<MessageView>> WithReactionsAsync(IReadOnlyList<MessageView> views, CancellationToken cancellationToken)
    {
        var ids = new List<string>(views.Count);
        foreach (var view in views)
        {
            // A tombstone has no reactions left.
            if (!view.Deleted)
            {
                ids.Add(view.Id);
            }
        }

        var found = await reactions.LoadAsync(ids, cancellationToken);
        if (found.Count == 0)
        {
            return views;
        }

        var result = new MessageView[views.Count];
        for (var i = 0; i < views.Count; i++)
        {
            result[i] = found.TryGetValue(views[i].Id, out var list) ? views[i] with { Reactions = list } : views[i];
        }

        return result;
    }
}
