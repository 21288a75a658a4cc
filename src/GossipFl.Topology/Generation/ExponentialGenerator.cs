using GossipFl.Topology.Graph;

namespace GossipFl.Topology.Generation;

/// <summary>
/// The exponential graph of SGP (Assran et al., "Stochastic Gradient Push for Distributed Deep Learning",
/// ICML 2019) and BlueFog's <c>ExponentialTwoGraph</c>: node i sends to i + 2^0, i + 2^1, ... (mod n) for every
/// power of two below n, so node i trusts i - 2^k (mod n). Every node has the same in- and out-degree,
/// ceil(log2 n), and the diameter is logarithmic, which is why it mixes fast with few links.
/// </summary>
public sealed class ExponentialGenerator : GraphGenerator
{
    public override string Name => "exponential";

    public override string Description => "node i sends to i+1, i+2, i+4, ... (mod n), i.e. trusts i-2^k";

    public override IReadOnlyList<GeneratorParameter> Parameters => [];

    public override bool IsRandom => false;

    public override bool ProducesSymmetric(GeneratorArguments arguments) => false;

    protected override void ValidateCore(int nodeCount, GeneratorArguments arguments, List<string> problems)
    {
    }

    protected override TrustGraph GenerateCore(IReadOnlyList<string> names, GeneratorArguments arguments, ulong seed)
    {
        var n = names.Count;
        var builder = new TrustGraphBuilder(names);
        for (var i = 0; i < n; i++)
        {
            for (long hop = 1; hop < n; hop *= 2)
            {
                builder.AddTrust(i, (int)((i - hop + n) % n));
            }
        }

        return builder.Build();
    }
}
