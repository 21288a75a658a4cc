using GossipFl.Learning.Data;
using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// The coordinator role of FedAvg (McMahan et al., "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data", arXiv 1602.05629), in the same message terms as gossip: each round it samples a
/// fraction C of the live clients, sends them the global model, and replaces the global model with the
/// sample-count-weighted average of the replies that arrive. Any node can hold the role; a successor continues
/// from the newest global model it holds (docs/algorithms.md).
/// </summary>
public sealed class FedAvgCoordinator
{
    /// <summary>Salt for the client draw, so it shares no stream with partitioning or data order.</summary>
    private const ulong SelectionSalt = 0x4665644176675365UL;

    private readonly float[] _global;
    private readonly List<GossipMessage> _replies = [];
    private readonly List<ReadOnlyMemory<float>> _sources = [];
    private readonly List<ContributionVerdict> _verdicts = [];

    /// <param name="aggregation">The averaging rule; null or <c>mean</c> is FedAvg's weighted average.</param>
    public FedAvgCoordinator(int index, ReadOnlySpan<float> global, long round = 0, AggregationSpec? aggregation = null)
    {
        Index = index;
        _global = global.ToArray();
        Round = round;
        Aggregation = aggregation ?? AggregationSpec.Mean;
        Aggregation.EnsureFits(AlgorithmKind.FedAvg);
    }

    public AggregationSpec Aggregation { get; }

    /// <summary>What the last <see cref="Complete"/> did with each client's reply, in client order.</summary>
    public IReadOnlyList<ContributionVerdict> LastVerdicts => _verdicts;

    public int Index { get; }

    /// <summary>The global model after the last completed round.</summary>
    public ReadOnlySpan<float> Global => _global;

    public long Round { get; private set; }

    /// <summary>How many of <paramref name="candidates"/> peers a round samples at client fraction C: round(C·n), at least 1.</summary>
    public static int ClientsPerRound(double fraction, int candidates) =>
        Math.Clamp((int)Math.Round(fraction * candidates, MidpointRounding.AwayFromZero), 1, Math.Max(1, candidates));

    /// <summary>
    /// The clients of round <paramref name="round"/>: max(1, round(C·K)) of the K candidates, drawn without
    /// replacement by a seeded shuffle of the candidates (ascending) and returned ascending.
    /// </summary>
    public static int[] SelectClients(long round, IReadOnlyList<int> candidates, double fraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the client fraction must be in (0, 1]");
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var pool = candidates.Order().ToArray();
        var count = ClientsPerRound(fraction, pool.Length);
        var random = new Xoshiro256StarStar(seed ^ SelectionSalt ^ unchecked((ulong)round * 0x9E3779B97F4A7C15UL));
        random.Shuffle(pool.AsSpan());
        var chosen = pool.AsSpan(0, count).ToArray();
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Starts round <paramref name="round"/>: one message carrying the global model per client.</summary>
    public void Broadcast(long round, ReadOnlySpan<int> clients, ICollection<GossipMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        Round = round;
        _replies.Clear();
        foreach (var client in clients)
        {
            outbox.Add(new GossipMessage(Index, client, round, 1.0, 0.0, _global));
        }
    }

    /// <summary>
    /// Publishes the global model of the last completed round to <paramref name="peers"/> (every live peer, sampled
    /// or not), so that whichever of them is elected next continues from it.
    /// </summary>
    public void Publish(ReadOnlySpan<int> peers, ICollection<GossipMessage> outbox)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        foreach (var peer in peers)
        {
            outbox.Add(new GossipMessage(Index, peer, Round, 1.0, 0.0, _global));
        }
    }

    /// <summary>Accepts a client's reply (its Share is the client's sample count); replies for other rounds are refused.</summary>
    public bool Receive(in GossipMessage reply)
    {
        if (reply.To != Index || reply.Round != Round || reply.Values.Length != _global.Length || !(reply.Share > 0))
        {
            return false;
        }

        _replies.Add(reply);
        return true;
    }

    /// <summary>
    /// global = Σ_k (n_k / Σ n) · x_k over the replies, in client order (or the robust rule's aggregate, see
    /// <see cref="Aggregation"/>); unchanged when none arrived. Returns the number of replies folded.
    /// </summary>
    public int Complete()
    {
        _replies.Sort(static (a, b) => a.From.CompareTo(b.From));
        _verdicts.Clear();
        if (_replies.Count == 0)
        {
            return 0;
        }

        if (!Aggregation.IsMean)
        {
            return CompleteRobust();
        }

        foreach (var reply in _replies)
        {
            _verdicts.Add(new ContributionVerdict(reply.From, ContributionOutcome.Kept));
        }

        var total = 0.0;
        foreach (var reply in _replies)
        {
            total += reply.Share;
        }

        var coefficients = new float[_replies.Count];
        _sources.Clear();
        for (var k = 0; k < _replies.Count; k++)
        {
            coefficients[k] = (float)(_replies[k].Share / total);
            _sources.Add(_replies[k].Values);
        }

        VectorMath.WeightedSum(_global, coefficients, _sources);
        var folded = _replies.Count;
        _replies.Clear();
        return folded;
    }

    private int CompleteRobust()
    {
        var weights = new double[_replies.Count];
        var outcomes = new ContributionOutcome[_replies.Count];
        _sources.Clear();
        for (var k = 0; k < _replies.Count; k++)
        {
            weights[k] = _replies[k].Share;
            _sources.Add(_replies[k].Values);
        }

        FedAvgAggregation.Aggregate(Aggregation, _global, _sources, weights, outcomes);
        for (var k = 0; k < _replies.Count; k++)
        {
            _verdicts.Add(new ContributionVerdict(_replies[k].From, outcomes[k]));
        }

        var folded = _replies.Count;
        _replies.Clear();
        return folded;
    }
}
