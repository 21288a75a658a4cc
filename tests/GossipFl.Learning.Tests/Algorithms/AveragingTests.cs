using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;
using GossipFl.Topology;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>
/// Learning rate 0 leaves pure averaging, where the algorithms' fixed points are known exactly: these tests
/// show why OPS exists (push-sum finds the true average on a directed graph, DOL does not).
/// </summary>
public sealed class AveragingTests
{
    private const int Length = 37;

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void PushSum_PureAveragingOnStronglyConnectedDirectedGraph_ReachesExactAverage(ulong seed)
    {
        var graph = TestGraphs.DirectedWithHub(12);
        Assert.False(graph.IsSymmetric);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, seed);
        var average = TestGraphs.Mean(initial);

        var result = Average(graph, AlgorithmKind.PushSum, initial, rounds: 400);

        foreach (var model in result.Models)
        {
            Assert.True(TestGraphs.RelativeError(model, average) < 1e-6, $"relative error {TestGraphs.RelativeError(model, average):E2}");
        }

        Assert.Equal(graph.NodeCount, result.Weights.Sum(), 9);
        Assert.Equal(0, result.MessagesLost);
    }

    [Fact]
    public void PushSum_TimeVaryingDirectedGraphs_StillReachTheExactAverage()
    {
        var graphs = Enumerable.Range(0, 8).Select(s => TestGraphs.OneWayTrust(16, 2, 2, (ulong)s)).ToArray();
        var initial = TestGraphs.RandomVectors(16, Length, 21);
        var average = TestGraphs.Mean(initial);
        var learners = Enumerable.Range(0, 16).Select(_ => new FixedLearner(Length)).ToArray();
        var options = new SimulationOptions(AlgorithmKind.PushSum, 300, 1, NetworkConditions.Perfect, 0, Threads: 2);

        var result = new Simulator(r => graphs[r % graphs.Length], learners, initial, options).Run();

        Assert.Equal(16, result.Weights.Sum(), 9);
        Assert.All(result.Models, m => Assert.True(TestGraphs.RelativeError(m, average) < 1e-6, $"relative error {TestGraphs.RelativeError(m, average):E2}, consensus {result.Last!.ConsensusDistance:E2}"));
    }

    [Fact]
    public void PushSum_Weights_SumToNodeCountEveryRound()
    {
        var graph = TestGraphs.OneWayTrust(20, 2, 3, seed: 5);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 9);
        var plans = MixingPlan.ForAll(graph, MixingScheme.PushSum);
        var nodes = Enumerable.Range(0, graph.NodeCount).Select(i => new GossipNode(i, AlgorithmKind.PushSum, initial[i])).ToArray();
        var learner = new FixedLearner(Length);
        for (var round = 0; round < 30; round++)
        {
            var outbox = new List<GossipMessage>();
            foreach (var node in nodes)
            {
                node.BeginRound(round, plans[node.Index]);
                node.Train(learner);
                node.Send(outbox);
            }

            foreach (var message in outbox)
            {
                Assert.True(nodes[message.To].Receive(message));
            }

            foreach (var node in nodes)
            {
                node.Complete();
            }

            Assert.Equal(graph.NodeCount, nodes.Sum(n => n.Weight), 10);
            Assert.Contains(nodes, n => Math.Abs(n.Weight - 1) > 1e-3);
        }
    }

    [Fact]
    public void PushSum_NodeThatDidNotSend_KeepsItsWholeMass()
    {
        var graph = TestGraphs.DirectedWithHub(4);
        var plans = MixingPlan.ForAll(graph, MixingScheme.PushSum);
        var node = new GossipNode(0, AlgorithmKind.PushSum, [2f, -4f]);

        node.BeginRound(0, plans[0]);
        node.Complete();

        Assert.Equal([2f, -4f], node.X);
        Assert.Equal(1.0, node.Weight);
    }

    [Fact]
    public void Dol_OnTheSameDirectedGraph_ConvergesToABiasedValue()
    {
        var graph = TestGraphs.DirectedWithHub(12);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 1);
        var average = TestGraphs.Mean(initial);

        var result = Average(graph, AlgorithmKind.Dol, initial, rounds: 400);

        // Consensus is reached ...
        Assert.True(result.Last!.ConsensusDistance < 1e-10, $"consensus distance {result.Last.ConsensusDistance:E2}");
        // ... on π·x(0), π the left Perron vector of the row-stochastic matrix, not on the average.
        var pi = LeftPerronVector(MixingWeights.RowStochastic(graph));
        var predicted = new double[Length];
        for (var i = 0; i < graph.NodeCount; i++)
        {
            for (var k = 0; k < Length; k++)
            {
                predicted[k] += pi[i] * initial[i][k];
            }
        }

        Assert.True(TestGraphs.RelativeError(result.Models[0], predicted) < 1e-5);
        Assert.True(TestGraphs.RelativeError(result.Models[0], average) > 0.05, $"bias only {TestGraphs.RelativeError(result.Models[0], average):E2}");
    }

    [Fact]
    public void DPsgd_SymmetricGraphAtLearningRateZero_PreservesAndReachesTheAverage()
    {
        var graph = TestGraphs.Ring(10);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 4);
        var average = TestGraphs.Mean(initial);

        var early = Average(graph, AlgorithmKind.DPsgd, initial, rounds: 3);
        var late = Average(graph, AlgorithmKind.DPsgd, initial, rounds: 600);

        // Doubly stochastic weights keep the mean of x after every round ...
        Assert.True(TestGraphs.RelativeError(TestGraphs.Mean(early.Models).Select(v => (float)v).ToArray(), average) < 1e-6);
        // ... and every node ends on it.
        foreach (var model in late.Models)
        {
            Assert.True(TestGraphs.RelativeError(model, average) < 1e-5, $"relative error {TestGraphs.RelativeError(model, average):E2}");
        }
    }

    [Fact]
    public void DPsgd_OnADirectedGraph_IsRefusedWithTheOneWayEdge()
    {
        var graph = TestGraphs.DirectedWithHub(5);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 4);
        var error = Assert.Throws<TopologyException>(() => Average(graph, AlgorithmKind.DPsgd, initial, rounds: 1));
        Assert.Contains("symmetric", error.Message, StringComparison.Ordinal);
    }

    internal static SimulationResult Average(TrustGraph graph, AlgorithmKind algorithm, float[][] initial, int rounds, NetworkConditions? network = null, ulong seed = 7, int threads = 1)
    {
        var learners = Enumerable.Range(0, graph.NodeCount).Select(_ => new FixedLearner(initial[0].Length)).ToArray();
        var options = new SimulationOptions(algorithm, rounds, seed, network ?? NetworkConditions.Perfect, EvalEvery: 0, Threads: threads);
        return new Simulator(_ => graph, learners, initial, options).Run();
    }

    /// <summary>π with π W = π, Σ π = 1, by power iteration in double.</summary>
    private static double[] LeftPerronVector(MixingMatrix w)
    {
        var n = w.Size;
        var pi = Enumerable.Repeat(1.0 / n, n).ToArray();
        for (var iteration = 0; iteration < 5000; iteration++)
        {
            var next = new double[n];
            for (var i = 0; i < n; i++)
            {
                var columns = w.RowColumns(i);
                var values = w.RowValues(i);
                for (var k = 0; k < columns.Length; k++)
                {
                    next[columns[k]] += pi[i] * values[k];
                }
            }

            pi = next;
        }

        return pi;
    }
}
