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

    private MixingPlan(int node, MixingScheme scheme, double selfWeight, int[] destinations, double[] sendShares, int[] sources, double[] receiveWeights)
    {
        Node = node;
        Scheme = scheme;
        SelfWeight = selfWeight;
        _destinations = destinations;
        _sendShares = sendShares;
        _sources = sources;
        _receiveWeights = receiveWeights;
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
        for (var k = 0; k < sources.Length; k++)
        {
            receiveWeights[k] = pushSum ? 1.0 : matrix[node, sources[k]];
        }

        return new MixingPlan(node, matrix.Scheme, matrix[node, node], destinations, sendShares, sources, receiveWeights);
    }

    /// <summary>Every node's plan for one graph, built in one pass.</summary>
    public static MixingPlan[] ForAll(TrustGraph graph, MixingScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var matrix = MixingWeights.Build(graph, scheme);
        var plans = new MixingPlan[graph.NodeCount];
        for (var i = 0; i < plans.Length; i++)
        {
            plans[i] = For(graph, matrix, i);
        }

        return plans;
    }
}
