using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// One-way ring: node i trusts nodes i-1 .. i-k (mod n), so information flows forward, i -> i+1 .. i+k.
/// With k = 1 it is the sparsest strongly connected graph, and the slowest to reach consensus.
/// </summary>
public sealed class DirectedRingGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("k", ParameterKind.WholeNumber, 1, "how many predecessors each node trusts (its in-degree and out-degree)", Minimum: 1),
    ];

    public override string Name => "directed-ring";

    public override string Description => "one-way ring: node i trusts i-1..i-k, information flows i -> i+1..i+k";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => false;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => false;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        var k = arguments.GetInt("k");
        if (k > nodeCount - 1)
        {
            problems.Add($"degree k = {k} must be less than the node count {nodeCount}");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var n = names.Count;
        var k = arguments.GetInt("k");
        var builder = new TrustGraphBuilder(names);
        for (var i = 0; i < n; i++)
        {
            for (var d = 1; d <= k; d++)
            {
                builder.AddTrust(i, (i - d + n) % n);
            }
        }

        return builder.Build();
    }
}
