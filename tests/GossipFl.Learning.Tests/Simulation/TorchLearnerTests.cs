using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Models;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Files;
using GossipFl.Topology.Generation;

namespace GossipFl.Learning.Tests.Simulation;

/// <summary>
/// A daemon owns one libtorch engine; the simulator shares one among all peers. With plain SGD (no optimizer
/// state) both must give the same bits, or the simulator would not predict what daemons compute.
/// </summary>
public sealed class TorchLearnerTests
{
    [Theory]
    [InlineData(AlgorithmKind.PushSum)]
    [InlineData(AlgorithmKind.FedAvg)]
    public void SharedEngine_AndOneEnginePerPeer_GiveBitIdenticalModels(AlgorithmKind algorithm)
    {
        var shared = Run(algorithm, sharedEngine: true);
        var perPeer = Run(algorithm, sharedEngine: false);

        Assert.Equal(shared.Models.Count, perPeer.Models.Count);
        for (var i = 0; i < shared.Models.Count; i++)
        {
            Assert.Equal(shared.Models[i], perPeer.Models[i]);
        }

        Assert.Equal(shared.Last!.Regret, perPeer.Last!.Regret);
        Assert.InRange(shared.Last.MeanTestAccuracy!.Value, 0.55, 1.0);
    }

    private static SimulationResult Run(AlgorithmKind algorithm, bool sharedEngine)
    {
        var generator = GraphGenerators.Get("one-way-trust");
        var topology = new GeneratedTopology(new GeneratorArguments(generator, new Dictionary<string, double> { ["out_degree"] = 1 }), 5, 3);
        var spec = new WorkloadSpec("synthetic", ModelSpec.Mlp(8), "dirichlet:0.5", Online: false, Beta: 0, Nodes: 5, Rounds: 4,
            BatchSize: 32, LearningRate: 0.05, algorithm == AlgorithmKind.FedAvg ? new LocalWork(1, Epochs: 1) : new LocalWork(3), Seed: 2, SharedEngine: sharedEngine);
        using var workload = Workload.Create(spec);
        var options = new SimulationOptions(algorithm, 4, 2, NetworkConditions.Perfect, EvalEvery: 0, ClientFraction: 0.6);
        return new Simulator(topology.GraphFor, workload.Learners, [workload.Initial], options).Run();
    }
}
