using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Data;
using GossipFl.Learning.Learners;
using GossipFl.Learning.Simulation;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>
/// Same seed, same bits: across runs, thread counts and arrival orders, and between the simulator and a set
/// of independently driven nodes (what daemons do).
/// </summary>
public sealed class DeterminismTests
{
    private static readonly Lazy<DatasetSplit> Data = new(() => SyntheticSusy.Generate(4000, 500, 3));

    [Theory]
    [InlineData(AlgorithmKind.PushSum)]
    [InlineData(AlgorithmKind.Dol)]
    [InlineData(AlgorithmKind.FedAvg)]
    public void Simulation_SameSeed_BitIdenticalForAnyThreadCount(AlgorithmKind algorithm)
    {
        var network = new NetworkConditions(LossProbability: 0.1, MaxDelayRounds: 2, ChurnProbability: 0.02);
        var one = Run(algorithm, network, threads: 1);
        var again = Run(algorithm, network, threads: 1);
        var two = Run(algorithm, network, threads: 2);

        for (var i = 0; i < one.Models.Count; i++)
        {
            Assert.Equal(one.Models[i], again.Models[i]);
            Assert.Equal(one.Models[i], two.Models[i]);
        }

        Assert.Equal(one.Weights, two.Weights);
        Assert.Equal(one.Last!.Regret, two.Last!.Regret);
    }

    [Fact]
    public void Simulation_DifferentNetworkSeed_DiffersUnderLoss()
    {
        var network = new NetworkConditions(LossProbability: 0.2);
        var a = Run(AlgorithmKind.PushSum, network, threads: 1, seed: 1);
        var b = Run(AlgorithmKind.PushSum, network, threads: 1, seed: 2);
        Assert.NotEqual(a.Models[0], b.Models[0]);
    }

    [Fact]
    public void GossipNode_ArrivalOrder_DoesNotChangeTheResult()
    {
        var graph = TestGraphs.OneWayTrust(10, 4, 3, seed: 2);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, 100, 3);
        var plans = MixingPlan.ForAll(graph, MixingScheme.PushSum);
        var forward = Nodes(graph, initial);
        var backward = Nodes(graph, initial);
        var outbox = new List<GossipMessage>();
        foreach (var node in forward)
        {
            node.BeginRound(0, plans[node.Index]);
            node.Send(outbox);
        }

        foreach (var node in backward)
        {
            node.BeginRound(0, plans[node.Index]);
            node.Send([]);
        }

        foreach (var message in outbox)
        {
            forward[message.To].Receive(message);
        }

        foreach (var message in Enumerable.Reverse(outbox))
        {
            backward[message.To].Receive(message);
        }

        for (var i = 0; i < graph.NodeCount; i++)
        {
            forward[i].Complete();
            backward[i].Complete();
            Assert.Equal(forward[i].X, backward[i].X);
            Assert.Equal(forward[i].Weight, backward[i].Weight);
        }
    }

    [Fact]
    public void Simulator_MatchesNodesDrivenOneByOneLikeDaemons_BitForBit()
    {
        var graph = TestGraphs.OneWayTrust(12, 2, 2, seed: 8);
        var data = Data.Value;
        var streams = OnlineStreams.Build(data.Train, graph.NodeCount, 50, 0.5, 4);
        ILocalLearner[] Learners() => streams.Select(s => (ILocalLearner)new OnlineLogisticLearner(data.Train, s, 1, 0.1, data.Test)).ToArray();
        var initial = OnlineLogisticLearner.InitialParameters(data.Train.FeatureCount);
        const int rounds = 50;

        var simulated = new Simulator(_ => graph, Learners(), [initial], new SimulationOptions(AlgorithmKind.PushSum, rounds, 1, NetworkConditions.Perfect, 0, Threads: 2, ParallelTraining: true)).Run();

        // "Daemons": each node owns its learner; messages reach each receiver in a shuffled order.
        var learners = Learners();
        var nodes = Enumerable.Range(0, graph.NodeCount).Select(i => new GossipNode(i, AlgorithmKind.PushSum, initial)).ToArray();
        var plans = MixingPlan.ForAll(graph, MixingScheme.PushSum);
        var shuffle = new Xoshiro256StarStar(99);
        for (var round = 0; round < rounds; round++)
        {
            var wire = new List<GossipMessage>();
            foreach (var node in nodes)
            {
                node.BeginRound(round, plans[node.Index]);
                node.Train(learners[node.Index]);
                var outbox = new List<GossipMessage>();
                node.Send(outbox);
                // A wire copies the values: the receiver must not depend on the sender's memory.
                wire.AddRange(outbox.Select(m => m with { Values = m.Values.ToArray() }));
            }

            var arrivals = wire.ToArray();
            shuffle.Shuffle(arrivals.AsSpan());
            foreach (var message in arrivals)
            {
                Assert.True(nodes[message.To].Receive(message));
            }

            foreach (var node in nodes)
            {
                node.Complete();
            }
        }

        for (var i = 0; i < graph.NodeCount; i++)
        {
            var z = new float[initial.Length];
            nodes[i].CopyModel(z);
            Assert.Equal(simulated.Models[i], z);
            Assert.Equal(simulated.Weights[i], nodes[i].Weight);
        }
    }

    private static GossipNode[] Nodes(TrustGraph graph, float[][] initial) =>
        Enumerable.Range(0, graph.NodeCount).Select(i => new GossipNode(i, AlgorithmKind.PushSum, initial[i])).ToArray();

    private static SimulationResult Run(AlgorithmKind algorithm, NetworkConditions network, int threads, ulong seed = 1)
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var data = Data.Value;
        var streams = OnlineStreams.Build(data.Train, graph.NodeCount, 60, 0.3, 5);
        var learners = streams.Select(s => (ILocalLearner)new OnlineLogisticLearner(data.Train, s, 2, 0.05, data.Test)).ToArray();
        var options = new SimulationOptions(algorithm, 60, seed, network, EvalEvery: 20, Threads: threads, ParallelTraining: true, ClientFraction: 0.5);
        return new Simulator(_ => graph, learners, [OnlineLogisticLearner.InitialParameters(data.Train.FeatureCount)], options, new ListSink()).Run();
    }
}
