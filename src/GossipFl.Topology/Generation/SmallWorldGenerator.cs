using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// Symmetric Watts–Strogatz small world (see <see cref="WattsStrogatz"/>): ring lattice of even degree k,
/// each lattice edge rewired with probability p. Disconnected draws are redrawn (like networkx's
/// <c>connected_watts_strogatz_graph</c>), so the result is always connected; after 100 disconnected draws
/// generation fails with a clear error instead of returning a graph that cannot reach consensus.
/// </summary>
public sealed class SmallWorldGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("k", ParameterKind.WholeNumber, 4, "lattice degree before rewiring (even)", Minimum: 2),
        new("p", ParameterKind.Probability, 0.1, "probability of rewiring each lattice edge"),
    ];

    public override string Name => "small-world";

    public override string Description => "Watts–Strogatz: ring lattice of degree k, each edge rewired with probability p, kept connected";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => true;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => true;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        var k = arguments.GetInt("k");
        if (k % 2 != 0)
        {
            problems.Add($"k must be even (k/2 neighbours on each side), got {k}");
        }

        if (k > nodeCount - 1)
        {
            problems.Add($"degree k = {k} must be less than the node count {nodeCount}");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var n = names.Count;
        var drawn = WattsStrogatz.DrawConnected(n, arguments.GetInt("k"), arguments.GetDouble("p"), seed)
            ?? throw new TopologyException(
                $"generator '{Name}': no connected graph in {WattsStrogatz.MaxAttempts} draws; raise k or lower p");
        var builder = new TrustGraphBuilder(names);
        for (var u = 0; u < n; u++)
        {
            foreach (var v in drawn.Adjacent[u])
            {
                builder.AddTrust(u, v);
            }
        }

        return builder.Build();
    }
}
