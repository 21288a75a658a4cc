using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// Erdős–Rényi G(n, p). Undirected: each unordered pair {i, j}, i &lt; j, visited in lexicographic order,
/// trusts both ways with probability p. Directed: each ordered pair (i, j), i != j, visited row by row,
/// i trusts j with probability p. One draw per pair keeps the definition free of floating-point
/// functions (no logarithm-based skipping) so every machine agrees; the cost is O(n^2) draws.
/// The result may be disconnected; analysis warns when it is.
/// </summary>
public sealed class ErdosRenyiGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("p", ParameterKind.Probability, 0.1, "probability of each (ordered, when directed) pair"),
        new("directed", ParameterKind.Boolean, 0, "draw each direction independently"),
    ];

    public override string Name => "erdos-renyi";

    public override string Description => "G(n, p): every pair trusts with probability p (each direction separately when directed)";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => true;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => !arguments.GetBool("directed");

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        if (nodeCount > 40_000)
        {
            problems.Add($"at most 40000 nodes for erdos-renyi (got {nodeCount}); it draws once per pair");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var n = names.Count;
        var p = arguments.GetDouble("p");
        var directed = arguments.GetBool("directed");
        var random = new DeterministicRandom(seed);
        var builder = new TrustGraphBuilder(names);
        for (var i = 0; i < n; i++)
        {
            for (var j = directed ? 0 : i + 1; j < n; j++)
            {
                if (i == j || !random.NextBool(p))
                {
                    continue;
                }

                if (directed)
                {
                    builder.AddTrust(i, j);
                }
                else
                {
                    builder.AddMutualTrust(i, j);
                }
            }
        }

        return builder.Build();
    }
}
