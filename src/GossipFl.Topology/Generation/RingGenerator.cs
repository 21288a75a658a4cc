using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>Symmetric ring lattice: node i trusts, and is trusted by, the k nodes on each side of it.</summary>
public sealed class RingGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("k", ParameterKind.WholeNumber, 1, "neighbours on each side; every node has degree 2k", Minimum: 1),
    ];

    public override string Name => "ring";

    public override string Description => "symmetric ring: each node trusts the k nearest nodes on each side";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => false;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => true;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        var k = arguments.GetInt("k");
        if (2L * k > nodeCount - 1)
        {
            problems.Add($"degree 2k = {2L * k} must be less than the node count {nodeCount} (use 'complete' for everyone trusting everyone)");
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
                builder.AddMutualTrust(i, (i + d) % n);
            }
        }

        return builder.Build();
    }
}
