using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Compression;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Graph;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>
/// Compressed gossip with the 1-bit <c>sign</c> codec and its default consensus step γ = 1, on pure averaging (learning
/// rate 0): it must find the exact average where CHOCO-SGD's analysis covers it (symmetric graphs) and on the
/// one-way-trust graphs GossipFl generates; on a strongly one-sided graph it diverges, and the run must end with the
/// clear error rather than train on garbage (docs/algorithms.md, "Compressed messages").
/// </summary>
public sealed class SignCompressedGossipTests
{
    private const int Length = 1100;

    private static SimulationResult Run(TrustGraph graph, AlgorithmKind algorithm, float[][] initial, int rounds)
    {
        var learners = Enumerable.Range(0, graph.NodeCount).Select(_ => new FixedLearner(Length)).ToArray();
        var options = new SimulationOptions(algorithm, rounds, 3, NetworkConditions.Perfect, 0, Compression: CodecSpec.Sign);
        return new Simulator(_ => graph, learners, initial, options).Run();
    }

    public static TheoryData<string, AlgorithmKind> Graphs => new()
    {
        { "ring", AlgorithmKind.DPsgd },
        { "ring2", AlgorithmKind.DPsgd },
        { "one-way-trust-16", AlgorithmKind.PushSum },
        { "one-way-trust-8", AlgorithmKind.PushSum },
    };

    private static TrustGraph GraphNamed(string name) => name switch
    {
        "ring" => TestGraphs.Ring(10),
        "ring2" => TestGraphs.Ring(10, 2),
        "one-way-trust-16" => TestGraphs.OneWayTrust(16, 2, 2, seed: 3),
        _ => TestGraphs.OneWayTrust(8, 2, 1, seed: 2),
    };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void DefaultStep_PureAveraging_ReachesTheAverage(string graphName, AlgorithmKind algorithm)
    {
        Assert.Equal(1.0, CodecSpec.Sign.DefaultConsensusStep);
        var graph = GraphNamed(graphName);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 5);
        var average = TestGraphs.Mean(initial);

        var result = Run(graph, algorithm, initial, rounds: 600);

        foreach (var model in result.Models)
        {
            Assert.True(TestGraphs.RelativeError(model, average) < 1e-5, $"{graphName}: relative error {TestGraphs.RelativeError(model, average):E2}");
        }
    }

    [Fact]
    public void PushSum_OnAHubBroadcastingToAll_Diverges_AndSaysSo()
    {
        // Node 0 sends to every other node, which pass on along a one-way ring: the push-sum matrix is far from normal,
        // and the estimate errors a 1-bit code leaves grow through it at every γ tried (1 down to 0.1).
        var graph = TestGraphs.DirectedWithHub(10);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 5);

        var error = Assert.Throws<CompressedGossipDivergedException>(() => Run(graph, AlgorithmKind.PushSum, initial, rounds: 4000));

        Assert.Contains("diverged", error.Message, StringComparison.Ordinal);
    }
}
