using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// A hub trusted by and trusting every leaf, leaves not trusting each other: the shape of coordinator-based
/// FedAvg, where the hub aggregates and sends the global model back.
/// </summary>
public sealed class StarGenerator : GraphGenerator
{
    private static readonly GeneratorParameter[] Declared =
    [
        new("hub", ParameterKind.WholeNumber, 0, "index of the hub node"),
    ];

    public override string Name => "star";

    public override string Description => "hub and leaves, trusting each other both ways (coordinator-based FedAvg)";

    public override IReadOnlyList<GeneratorParameter> Parameters => Declared;

    public override bool IsRandom => false;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => true;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
        var hub = arguments.GetInt("hub");
        if (hub >= nodeCount)
        {
            problems.Add($"hub index {hub} must be less than the node count {nodeCount}");
        }
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var hub = arguments.GetInt("hub");
        var builder = new TrustGraphBuilder(names);
        for (var i = 0; i < names.Count; i++)
        {
            builder.AddMutualTrust(hub, i);
        }

        return builder.Build();
    }
}
