using System.Runtime.InteropServices;

namespace ZiyadMessenger.Modules.Messaging.Sending;

/// <summary>What the store does with one message of a batch.</summary>
internal enum AppendDecision
{
    /// <summary>A new message: stored with the next seq of its channel.</summary>
    Store,

    /// <summary>Its channel was deleted while the send waited: nothing is stored, the send gets a 404.</summary>
    ChannelGone,

    /// <summary>Its (sender, client_msg_id) is already stored: answered with that message.</summary>
    StoredBefore,

    /// <summary>A repeat of an earlier send of the same batch: answered with that send's message.</summary>
    RepeatsEarlier,
}

/// <summary>One message's line of the plan. <see cref="RepeatOf"/> is the batch index of the send it repeats; <see cref="Seq"/> the seq it gets.</summary>
internal readonly record struct AppendStep(AppendDecision Decision, int RepeatOf, long Seq);

/// <summary>
/// The plan of one batch, the same on every store: which messages are new, the seqs they get, and what
/// every send is answered with. The store supplies what it found (the earlier sends of the batch's
/// client ids) and a way to move a channel's LastSeq on; it then inserts <see cref="NewMessages"/> and
/// answers with <see cref="Outcomes"/>.
/// </summary>
internal sealed class AppendPlan
{
    private readonly IReadOnlyList<PendingMessage> _batch;
    private readonly IReadOnlyDictionary<(string SenderId, string ClientMsgId), StoredMessage>? _earlier;
    private readonly AppendStep[] _steps;

    private AppendPlan(IReadOnlyList<PendingMessage> batch, IReadOnlyDictionary<(string, string), StoredMessage>? earlier, AppendStep[] steps)
    {
        _batch = batch;
        _earlier = earlier;
        _steps = steps;
    }

    public IReadOnlyList<AppendStep> Steps => _steps;

    /// <summary>
    /// Decides the batch. <paramref name="reserve"/> moves a channel's LastSeq on by a count and returns the
    /// new LastSeq, or null when the channel is gone. A gone channel stores nothing, so a later send of the
    /// batch with the same client_msg_id becomes the first one: the plan is made again until no channel is
    /// found missing, and each channel's reservation grows to what the final plan needs. Seqs are handed
    /// out only after that, in batch order, so they stay gap-free and in send order whatever was reserved
    /// in which step. Channels are reserved in id order, so two nodes' batches never wait on each other's
    /// channel rows in a circle.
    /// </summary>
    public static AppendPlan Make(IReadOnlyList<PendingMessage> batch, IReadOnlyDictionary<(string, string), StoredMessage>? earlier,
        Func<string, int, long?> reserve)
    {
        var steps = new AppendStep[batch.Count];
        var reservations = new Dictionary<string, (long First, int Count)>(StringComparer.Ordinal);
        HashSet<string>? missing = null;
        while (true)
        {
            var needed = Decide(batch, earlier, missing, steps);
            var foundMissing = false;
            foreach (var (channelId, count) in InIdOrder(needed))
            {
                reservations.TryGetValue(channelId, out var reservation);
                if (count == reservation.Count)
                {
                    continue;
                }

                var last = reserve(channelId, count - reservation.Count);
                if (last is null)
                {
                    (missing ??= new HashSet<string>(StringComparer.Ordinal)).Add(channelId);
                    foundMissing = true;
                    continue;
                }

                reservations[channelId] = (reservation.Count == 0 ? last.Value - count : reservation.First, count);
            }

            if (!foundMissing)
            {
                break;
            }
        }

        var next = new Dictionary<string, long>(reservations.Count, StringComparer.Ordinal);
        foreach (var (channelId, reservation) in reservations)
        {
            next[channelId] = reservation.First;
        }

        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i].Decision == AppendDecision.Store)
            {
                steps[i] = steps[i] with { Seq = ++CollectionsMarshal.GetValueRefOrNullRef(next, batch[i].ChannelId) };
            }
        }

        return new AppendPlan(batch, earlier, steps);
    }

    /// <summary>The new messages with their seqs, in batch (and so seq) order.</summary>
    public IEnumerable<(PendingMessage Message, long Seq)> NewMessages
    {
        get
        {
            for (var i = 0; i < _steps.Length; i++)
            {
                if (_steps[i].Decision == AppendDecision.Store)
                {
                    yield return (_batch[i], _steps[i].Seq);
                }
            }
        }
    }

    public int NewCount => _steps.Count(s => s.Decision == AppendDecision.Store);

    /// <summary>For each channel written to, the highest seq this batch stores there.</summary>
    public Dictionary<string, long> HighestSeqByChannel()
    {
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (message, seq) in NewMessages)
        {
            highest[message.ChannelId] = seq;
        }

        return highest;
    }

    /// <summary>What each send is answered with once the batch has committed; <c>result[i]</c> belongs to <c>batch[i]</c>.</summary>
    public AppendOutcome[] Outcomes(long timestamp)
    {
        var results = new AppendOutcome[_batch.Count];
        for (var i = 0; i < _batch.Count; i++)
        {
            var message = _batch[i];
            var step = _steps[i];
            results[i] = step.Decision switch
            {
                AppendDecision.Store => new AppendOutcome(new StoredMessage(message.Id, message.ChannelId, step.Seq, message.SenderId, timestamp,
                    message.Type, message.Content, message.Nonce, message.Signature, message.ClientMsgId, null, null, message.RootId), false, null),
                AppendDecision.ChannelGone => new AppendOutcome(null, false, Contracts.Errors.AppException.NotFound("The channel no longer exists.")),
                AppendDecision.StoredBefore => new AppendOutcome(_earlier![(message.SenderId, message.ClientMsgId!)], Duplicate: true, null),
                // Earlier in the batch, so its result is already made.
                _ => new AppendOutcome(results[step.RepeatOf].Message, Duplicate: true, null),
            };
        }

        return results;
    }

    /// <summary>Decides every message of the batch for the given missing channels; returns the new messages per channel.</summary>
    private static Dictionary<string, int> Decide(IReadOnlyList<PendingMessage> batch, IReadOnlyDictionary<(string, string), StoredMessage>? earlier,
        HashSet<string>? missing, AppendStep[] steps)
    {
        var needed = new Dictionary<string, int>(StringComparer.Ordinal);
        // The first send of each (sender, client_msg_id) in this batch that will be stored; the rest repeat it.
        Dictionary<(string, string), int>? first = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var message = batch[i];
            var gone = missing is not null && missing.Contains(message.ChannelId);
            if (message.ClientMsgId is { } clientMsgId)
            {
                var key = (message.SenderId, clientMsgId);
                if (earlier is not null && earlier.ContainsKey(key))
                {
                    steps[i] = new AppendStep(AppendDecision.StoredBefore, -1, 0);
                    continue;
                }

                if (first is not null && first.TryGetValue(key, out var index))
                {
                    steps[i] = new AppendStep(AppendDecision.RepeatsEarlier, index, 0);
                    continue;
                }

                if (!gone)
                {
                    (first ??= [])[key] = i;
                }
            }

            if (gone)
            {
                steps[i] = new AppendStep(AppendDecision.ChannelGone, -1, 0);
                continue;
            }

            steps[i] = new AppendStep(AppendDecision.Store, -1, 0);
            CollectionsMarshal.GetValueRefOrAddDefault(needed, message.ChannelId, out _)++;
        }

        return needed;
    }

    private static IEnumerable<KeyValuePair<string, int>> InIdOrder(Dictionary<string, int> needed) =>
        needed.Count <= 1 ? needed : needed.OrderBy(n => n.Key, StringComparer.Ordinal);
}
