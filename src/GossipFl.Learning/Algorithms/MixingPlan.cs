using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Algorithms;

/// <summary>
/// One node's part of a round's mixing matrix: whom it sends to with what share, and what weight it gives
/// each peer it trusts. Push-sum is decided by the sender (column j of W: a share per follower, the rest
/// kept), row-stochastic schemes by the receiver (row i of W). A daemon builds the same plan from the same
/// topology document and round, so both drivers mix identically.
/// </summary>
public sealed class MixingPlan
{
    private readonly int[] _destinations;
    private readonly double[] _sendShares;
    private readonly int[] _sources;
    private readonly double[] _receiveWeights;
    private readonly double[] _rowWeights;

    private MixingPlan(int node, MixingScheme scheme, double selfWeight, int[] destinations, double[] sendShares, int[] sources, double[] receiveWeights, double[] rowWeights)
    {
        Node = node;
        Scheme = scheme;
        SelfWeight = selfWeight;
        _destinations = destinations;
        _sendShares = sendShares;
        _sources = sources;
        _receiveWeights = receiveWeights;
        _rowWeights = rowWeights;
    }

    public int Node { get; }

    public MixingScheme Scheme { get; }

    /// <summary>W[i, i]: the share of its own value a node keeps.</summary>
    public double SelfWeight { get; }

    /// <summary>Followers (out-neighbours), ascending.</summary>
    public ReadOnlySpan<int> Destinations => _destinations;

    /// <summary>The share sent to each of <see cref="Destinations"/>: W[f, i] for push-sum, 1 otherwise.</summary>
    public ReadOnlySpan<double> SendShares => _sendShares;

    /// <summary>Trusted peers (in-neighbours), ascending.</summary>
    public ReadOnlySpan<int> Sources => _sources;

    /// <summary>The weight given to each of <see cref="Sources"/>: W[i, j] for row schemes, 1 for push-sum.</summary>
    public ReadOnlySpan<double> ReceiveWeights => _receiveWeights;

    /// <summary>
    /// W[i, j] for each of <see cref="Sources"/>: the coefficient of source j's value in this node's mix. For row
    /// schemes it is <see cref="ReceiveWeights"/>; for push-sum it is the share j sends here, which j decides, so a
    /// receiver knows its whole row before any share arrives (compressed gossip seeds its sum with it).
    /// </summary>
    public ReadOnlySpan<double> RowWeights => _rowWeights;

    /// <summary>The receive weight of <paramref name="source"/>; 0 when the node does not trust it.</summary>
    public double ReceiveWeightOf(int source)
    {
        var at = Array.BinarySearch(_sources, source);
        return at >= 0 ? _receiveWeights[at] : 0.0;
    }

    /// <summary>Node <paramref name="node"/>'s plan under <paramref name="matrix"/> built on <paramref name="graph"/>.</summary>
    public static MixingPlan For(TrustGraph graph, MixingMatrix matrix, int node)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(matrix);
        var destinations = graph.Followers(node).ToArray();
        var sources = graph.Trusted(node).ToArray();
        var pushSum = matrix.Scheme == MixingScheme.PushSum;
        var sendShares = new double[destinations.Length];
        for (var k = 0; k < destinations.Length; k++)
        {
            sendShares[k] = pushSum ? matrix[destinations[k], node] : 1.0;
        }

        var receiveWeights = new double[sources.Length];
        var rowWeights = new double[sources.Length];
        for (var k = 0; k < sources.Length; k++)
        {
            receiveWeights[k] = pushSum ? 1.0 : matrix[node, sources[k]];
            rowWeights[k] = matrix[node, sources[k]];
        }

        return new MixingPlan(node, matrix.Scheme, matrix[node, node], destinations, sendShares, sources, receiveWeights, rowWeights);
    }

    /// <summary>Every node's plan for one graph, built in one pass.</summary>
    public static MixingPlan[] ForAll(TrustGraph graph, MixingScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (scheme != MixingScheme.MetropolisHastings)
        {
            return UniformShares(graph, scheme);
        }

        var matrix = MixingWeights.Build(graph, scheme);
        var plans = new MixingPlan[graph.NodeCount];
        for (var i = 0; i < plans.Length; i++)
        {
            plans[i] = For(graph, matrix, i);
        }

        return plans;
    }

    /// <summary>
    /// Push-sum's shares for a sender with <paramref name="outDegree"/> followers: each follower gets
    /// 1/(outdeg+1) rounded to float once, and the sender keeps the exact remainder 1 - outdeg·share (exact in
    /// double, and a float value). x is folded with float coefficients and w with doubles; using the same numbers
    /// for both keeps z = x / w unbiased by rounding, and every column sums to exactly one, so the weights keep
    /// summing to N. The shares differ from <see cref="MixingWeights.PushSum"/>'s by under 1e-7.
    /// </summary>
    public static (double Share, double Self) PushSumShares(int outDegree)
    {
        var share = (double)(float)(1.0 / (outDegree + 1));
        return (share, 1.0 - (outDegree * share));
    }

    /// <summary>
    /// Push-sum and row-stochastic plans straight from the degrees (time-varying graphs build one set per round):
    /// row-stochastic entries are the expression <see cref="MixingWeights"/> evaluates, 1/(indeg(i)+1), so the
    /// doubles are identical; push-sum's are <see cref="PushSumShares"/>.
    /// </summary>
    private static MixingPlan[] UniformShares(TrustGraph graph, MixingScheme scheme)
    {
        var pushSum = scheme == MixingScheme.PushSum;
        var plans = new MixingPlan[graph.NodeCount];
        for (var i = 0; i < plans.Length; i++)
        {
            var destinations = graph.Followers(i).ToArray();
            var sources = graph.Trusted(i).ToArray();
            double self, share;
            if (pushSum)
            {
                (share, self) = PushSumShares(graph.OutDegree(i));
            }
            else
            {
                self = 1.0 / (graph.InDegree(i) + 1);
                share = 1.0;
            }

            var sendShares = new double[destinations.Length];
            Array.Fill(sendShares, share);
            var receiveWeights = new double[sources.Length];
            Array.Fill(receiveWeights, pushSum ? 1.0 : self);
            var rowWeights = new double[sources.Length];
            for (var k = 0; k < sources.Length; k++)
            {
                // Push-sum: what source j sends each follower, from its own out-degree (as j's plan computes it).
                rowWeights[k] = pushSum ? PushSumShares(graph.OutDegree(sources[k])).Share : self;
            }

            plans[i] = new MixingPlan(i, scheme, self, destinations, sendShares, sources, receiveWeights, rowWeights);
        }

        return plans;
    }
}
