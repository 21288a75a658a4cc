using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// A single-sided trust social network in the manner of the OPS experiments (He et al., "Central Server Free
/// Federated Learning over Single-sided Trust Social Networks", arXiv 1910.04956): a symmetric base where
/// friends trust each other, plus random one-way trust.
/// <list type="number">
/// <item>Base: a connected Watts–Strogatz graph with even degree <c>base_degree</c> and rewiring probability
/// <c>p</c> (p = 0, the default, is the plain ring lattice), drawn as in <see cref="WattsStrogatz"/>; a draw
/// where rewiring left some node fewer than <c>out_degree</c> non-neighbours is redrawn.</item>
/// <item>One-way edges: for node u = 0..n-1 in order, draw <c>out_degree</c> distinct followers uniformly from
/// the nodes that are neither u nor already adjacent to u in the base nor already drawn by u; each follower
/// trusts u, but u does not trust it back because of this draw.</item>
/// </list>
/// With p = 0 every node therefore ends with out-degree exactly <c>base_degree + out_degree</c> (the number
/// of peers it sends to, which fixes its push-sum share), while in-degrees vary. With p &gt; 0 rewiring moves
/// base edges between nodes, so base degrees vary around base_degree (their mean stays exact) and each node
/// still adds exactly out_degree one-way followers. Two nodes may draw each other, in which
/// case their trust is mutual by chance. FedML's <c>AsymmetricTopologyManager</c> ends far denser than its
/// parameters say; this generator is written so the requested degrees hold exactly, which a test checks.
/// </summary>
public sealed class OneWayTrustGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("base_degree", ParameterKind.WholeNumber, 2, "degree of the symmetric base (even)", Minimum: 2),
        new("out_degree", ParameterKind.WholeNumber, 2, "one-way out-neighbours each node adds on top of the base"),
        new("p", ParameterKind.Probability, 0, "Watts–Strogatz rewiring probability of the base"),
    ];

    public override string Name => "one-way-trust";

    public override string Description => "symmetric base (degree base_degree) plus out_degree random one-way followers per node";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => true;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => arguments.GetInt("out_degree") == 0;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        var baseDegree = arguments.GetInt("base_degree");
        var outDegree = arguments.GetInt("out_degree");
        if (baseDegree % 2 != 0)
        {
            problems.Add($"base_degree must be even (half on each side of the ring), got {baseDegree}");
        }

        if ((long)baseDegree + outDegree > nodeCount - 1)
        {
            problems.Add($"out-degree base_degree + out_degree = {(long)baseDegree + outDegree} must be less than the node count {nodeCount}");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var n = names.Count;
        var baseDegree = arguments.GetInt("base_degree");
        var outDegree = arguments.GetInt("out_degree");
        var p = arguments.GetDouble("p");
        var builder = new RowBucketGraphBuilder(names, n * (baseDegree + outDegree));
        HashSet<int>[]? adjacent = null;
        DeterministicRandom random;
        if (p > 0)
        {
            // Every node must keep out_degree non-neighbours to draw followers from; rewiring can give a node more
            // than base_degree neighbours, so such draws are redrawn like disconnected ones.
            var drawn = WattsStrogatz.DrawConnected(n, baseDegree, p, seed, maxDegree: n - 1 - outDegree)
                ?? throw new TopologyException(
                    $"generator '{Name}': no connected base graph leaving room for out_degree = {outDegree} in {WattsStrogatz.MaxAttempts} draws; "
                    + "raise the node count or lower p or out_degree");
            (adjacent, random) = drawn;
            for (var u = 0; u < n; u++)
            {
                foreach (var v in adjacent[u])
                {
                    builder.AddTrust(u, v);
                }
            }
        }
        else
        {
            // p = 0 is the ring lattice, which WattsStrogatz.DrawConnected returns on its first attempt without
            // drawing a number (it is connected, and validation keeps base_degree <= n - 1 - out_degree). Built
            // here without the per-node hash sets: a time-varying topology redraws it every round, and the
            // followers below then come from the same random stream as before.
            random = new DeterministicRandom(seed);
            for (var u = 0; u < n; u++)
            {
                for (var d = 1; d <= baseDegree / 2; d++)
                {
                    builder.AddTrust(u, (u + d) % n);
                    builder.AddTrust((u + d) % n, u);
                }
            }
        }

        // drawnBy[v] == u marks v as already drawn by u (no clearing between nodes).
        var drawnBy = new int[n];
        Array.Fill(drawnBy, -1);
        for (var u = 0; u < n; u++)
        {
            var chosen = 0;
            // Rejection sampling: validation guarantees at least out_degree eligible nodes, and the base is
            // sparse next to n in any sensible use, so few draws are rejected.
            while (chosen < outDegree)
            {
                var follower = random.NextInt(n);
                if (follower != u && !InBase(adjacent, baseDegree, n, u, follower) && drawnBy[follower] != u)
                {
                    drawnBy[follower] = u;
                    chosen++;
                    builder.AddTrust(follower, u);
                }
            }
        }

        return builder.Build();
    }

    /// <summary>Whether v is u's neighbour in the base: the drawn adjacency, or for the ring lattice a ring distance of at most base_degree / 2.</summary>
    private static bool InBase(HashSet<int>[]? adjacent, int baseDegree, int n, int u, int v)
    {
        if (adjacent is not null)
        {
            return adjacent[u].Contains(v);
        }

        var distance = Math.Abs(u - v);
        return Math.Min(distance, n - distance) <= baseDegree / 2;
    }
}
