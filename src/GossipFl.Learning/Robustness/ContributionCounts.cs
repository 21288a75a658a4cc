namespace GossipFl.Learning.Robustness;

/// <summary>
/// Per receiver and sender, how often the receiver's robust rule clipped or discarded the sender's contribution
/// (a simulation keeps one for all peers; FedAvg's receiver is the round's coordinator). Kept per receiver for the
/// senders it actually penalized, so memory follows the graph's edges, not N² (two N×N arrays of longs were 268 MB
/// at N = 4096).
/// </summary>
public sealed class ContributionCounts
{
    private readonly Dictionary<int, (long Clipped, long Discarded)>?[] _byReceiver;
    private readonly long[] _clippedTotal;
    private readonly long[] _discardedTotal;

    public ContributionCounts(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        Nodes = nodes;
        _byReceiver = new Dictionary<int, (long, long)>?[nodes];
        _clippedTotal = new long[nodes];
        _discardedTotal = new long[nodes];
    }

    public int Nodes { get; }

    /// <summary>Adds one round's verdicts of <paramref name="receiver"/>; returns how many were clipped and discarded.</summary>
    public (long Clipped, long Discarded) Record(int receiver, IReadOnlyList<ContributionVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentOutOfRangeException.ThrowIfNegative(receiver);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(receiver, Nodes);
        long clipped = 0, discarded = 0;
        foreach (var verdict in verdicts)
        {
            if (verdict.Outcome is not (ContributionOutcome.Clipped or ContributionOutcome.Discarded))
            {
                continue;
            }

            ArgumentOutOfRangeException.ThrowIfNegative(verdict.Peer);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(verdict.Peer, Nodes);
            var senders = _byReceiver[receiver] ??= [];
            senders.TryGetValue(verdict.Peer, out var counts);
            if (verdict.Outcome == ContributionOutcome.Clipped)
            {
                counts.Clipped++;
                _clippedTotal[verdict.Peer]++;
                clipped++;
            }
            else
            {
                counts.Discarded++;
                _discardedTotal[verdict.Peer]++;
                discarded++;
            }

            senders[verdict.Peer] = counts;
        }

        return (clipped, discarded);
    }

    public long Clipped(int receiver, int sender) => CountsOf(receiver, sender).Clipped;

    public long Discarded(int receiver, int sender) => CountsOf(receiver, sender).Discarded;

    /// <summary>Times any receiver clipped <paramref name="sender"/>.</summary>
    public long ClippedTotal(int sender) => _clippedTotal[sender];

    /// <summary>Times any receiver discarded <paramref name="sender"/>.</summary>
    public long DiscardedTotal(int sender) => _discardedTotal[sender];

    /// <summary>
    /// The sender <paramref name="receiver"/> clipped or discarded most often (lowest index on a tie), or null when
    /// it never did either.
    /// </summary>
    public int? MostPenalizedBy(int receiver)
    {
        int? best = null;
        long bestCount = 0;
        if (_byReceiver[receiver] is not { } senders)
        {
            return null;
        }

        foreach (var (sender, counts) in senders)
        {
            var count = counts.Clipped + counts.Discarded;
            if (count > bestCount || (count == bestCount && count > 0 && sender < best))
            {
                best = sender;
                bestCount = count;
            }
        }

        return best;
    }

    private (long Clipped, long Discarded) CountsOf(int receiver, int sender)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sender);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sender, Nodes);
        return _byReceiver[receiver] is { } senders && senders.TryGetValue(sender, out var counts) ? counts : default;
    }
}
