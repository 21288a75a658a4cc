using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>Everyone trusts everyone: one gossip step averages exactly (the mixing matrix is J/n).</summary>
public sealed class CompleteGenerator : GraphGenerator
{
    public override string Name => "complete";

    public override string Description => "every node trusts every other node";

    public override IReadOnlyList<GeneratorParameter> Parameters => [];

    public override bool IsRandom => false;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => true;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        // A complete graph on n nodes has n(n-1) relations; past this it no longer fits the graph's int counts.
        if (nodeCount > 40_000)
        {
            problems.Add($"a complete graph on {nodeCount} nodes has too many relations (at most 40000 nodes)");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var builder = new TrustGraphBuilder(names);
        for (var i = 0; i < names.Count; i++)
        {
            for (var j = 0; j < names.Count; j++)
            {
                builder.AddTrust(i, j);
            }
        }

        return builder.Build();
    }
}
