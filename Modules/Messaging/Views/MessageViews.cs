using ZiyadMessenger.Modules.Messaging.Sending;

namespace ZiyadMessenger.Modules.Messaging.Views;

/// <summary>
/// Turns stored messages into the wire's message objects with everything that lives beside them
/// (reactions). Every endpoint that answers with messages (history, threads, pins, search) goes through
/// here, so a message looks the same wherever it appears.
/// </summary>
internal sealed class MessageViews
{
    public Task<IReadOnlyList<MessageView>> ToViewsAsync(IReadOnlyList<StoredMessage> messages, CancellationToken cancellationToken)
    {
        var views = new MessageView[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            views[i] = messages[i].ToView();
        }

        return Task.FromResult<IReadOnlyList<MessageView>>(views);
    }

    public async Task<MessageView> ToViewAsync(StoredMessage message, CancellationToken cancellationToken) =>
        (await ToViewsAsync([message], cancellationToken))[0];
}
