namespace GossipFl.Learning.Robustness;

/// <summary>
/// Per receiver and sender, how often the receiver's robust rule clipped or discarded the sender's contribution
/// (a simulation keeps one for all peers; FedAvg's receiver is the round's coordinator).
/// </summary>
public sealed class ContributionCounts
{
    private readonly long[,] _clipped;
    private readonly long[,] _discarded;

    public ContributionCounts(int nodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodes);
        Nodes = nodes;
        _clipped = new long[nodes, nodes];
        _discarded = new long[nodes, nodes];
    }

    public int Nodes { get; }

    /// <summary>Adds one round's verdicts of <paramref name="receiver"/>; returns how many were clipped and discarded.</summary>
    public (long Clipped, long Discarded) Record(int receiver, IReadOnlyList<ContributionVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        long clipped = 0, discarded = 0;
        foreach (var verdict in verdicts)
        {
            switch (verdict.Outcome)
            {
                case ContributionOutcome.Clipped:
                    _clipped[receiver, verdict.Peer]++;
                    clipped++;
                    break;
                case ContributionOutcome.Discarded:
                    _discarded[receiver, verdict.Peer]++;
                    discarded++;
                    break;
            }
        }

        return (clipped, discarded);
    }

    public long Clipped(int receiver, int sender) => _clipped[receiver, sender];

    public long Discarded(int receiver, int sender) => _discarded[receiver, sender];

    /// <summary>Times any receiver clipped <paramref name="sender"/>.</summary>
    public long ClippedTotal(int sender) => Sum(_clipped, sender);

    /// <summary>Times any receiver discarded <paramref name="sender"/>.</summary>
    public long DiscardedTotal(int sender) => Sum(_discarded, sender);

    /// <summary>
    /// The sender <paramref name="receiver"/> clipped or discarded most often (lowest index on a tie), or null when
    /// it never did either.
    /// </summary>
    public int? MostPenalizedBy(int receiver)
    {
        int? best = null;
        long bestCount = 0;
        for (var sender = 0; sender < Nodes; sender++)
        {
            var count = _clipped[receiver, sender] + _discarded[receiver, sender];
            if (count > bestCount)
            {
                best = sender;
                bestCount = count;
            }
        }

        return best;
    }

    private long Sum(long[,] counts, int sender)
    {
        long total = 0;
        for (var receiver = 0; receiver < Nodes; receiver++)
        {
            total += counts[receiver, sender];
        }

        return total;
    }
}
