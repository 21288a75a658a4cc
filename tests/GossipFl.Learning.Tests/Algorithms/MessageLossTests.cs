using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Simulation;

namespace GossipFl.Learning.Tests.Algorithms;

/// <summary>What lost and late messages do to push-sum's mass (docs/algorithms.md, "Missing messages").</summary>
public sealed class MessageLossTests
{
    private const int Length = 16;

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2)]
    public void PushSum_LostShares_AreLostMassAndAccountedFor(double loss)
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 11);
        var average = TestGraphs.Mean(initial);

        var result = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, rounds: 40, new NetworkConditions(LossProbability: loss));

        Assert.True(result.MessagesLost > 0);
        // Nothing is re-sent: the weight still held plus the weight lost is exactly what the nodes started with.
        Assert.Equal(graph.NodeCount, result.Weights.Sum() + result.LostWeight, 9);
        Assert.True(result.Weights.Sum() < graph.NodeCount - 1e-3);
        // A lost share takes x and w in the same proportion, so the ratios still agree ...
        Assert.True(result.Last!.ConsensusDistance < 1e-6, $"consensus distance {result.Last.ConsensusDistance:E2}");
        // ... on a value that is no longer the average: how far depends on which shares were lost.
        var error = TestGraphs.RelativeError(result.Models[0], average);
        Assert.True(error > 1e-4, $"error {error:E2}");
        Assert.True(error < 0.5, $"error {error:E2}");
    }

    [Fact]
    public void PushSum_ReclaimingAShareOfAnEarlierRound_RestoresItsMassExactly()
    {
        // Three mutually trusting nodes: node 0 sends a third of its mass to each of 1 and 2 in round 0.
        var plan = MixingPlan.ForAll(TestGraphs.Ring(3), Topology.Mixing.MixingScheme.PushSum)[0];
        var initial = TestGraphs.RandomVectors(1, Length, 5)[0];
        var node = new GossipNode(0, AlgorithmKind.PushSum, initial);
        node.BeginRound(0, plan);
        var sent = new List<GossipMessage>();
        node.Send(sent);
        // What an asynchronous driver keeps of a share it cannot yet know the fate of: the values as sent.
        var kept = sent.Select(m => m with { Values = m.Values.ToArray() }).ToArray();
        node.Complete();
        Assert.True(node.Weight < 0.5);

        // Round 1: both sends turn out to have failed; the node sends nothing this round.
        node.BeginRound(1, plan);
        Assert.Throws<ArgumentException>(() => node.Reclaim(kept[0] with { Round = 2 }));
        Assert.Throws<ArgumentException>(() => node.Reclaim(kept[0] with { From = 1 }));
        foreach (var message in kept)
        {
            node.Reclaim(message);
        }

        node.Complete();

        Assert.Equal(1.0, node.Weight);
        var model = new float[Length];
        node.CopyModel(model);
        for (var k = 0; k < Length; k++)
        {
            Assert.Equal(initial[k], model[k], 1e-6f);
        }
    }

    [Fact]
    public void PushSum_LostMassDecaysGeometrically_WhenNothingReclaimsIt()
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 11);

        var result = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, rounds: 200, new NetworkConditions(LossProbability: 0.05));

        // About 4% of the mass goes each round at 5% loss: after 200 rounds almost nothing is left. Under OPS a
        // gradient step then moves z = x / w by η·g / w, which is why long runs over lossy links need reclaiming.
        Assert.True(result.Weights.Sum() < 0.01, $"weight left {result.Weights.Sum():E2}");
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    public void PushSum_ReclaimingUndeliveredShares_KeepsTheMassAndTheExactAverage(double loss)
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 11);
        var average = TestGraphs.Mean(initial);
        var learners = Enumerable.Range(0, graph.NodeCount).Select(_ => new FixedLearner(Length)).ToArray();
        var options = new SimulationOptions(AlgorithmKind.PushSum, 400, 7, new NetworkConditions(LossProbability: loss, ChurnProbability: 0.02, MeanDowntimeRounds: 2), 0, ReclaimLostShares: true);

        var result = new Simulator(_ => graph, learners, initial, options).Run();

        Assert.True(result.MessagesLost > 0);
        Assert.Equal(0, result.LostWeight);
        Assert.Equal(graph.NodeCount, result.Weights.Sum(), 9);
        foreach (var model in result.Models)
        {
            Assert.True(TestGraphs.RelativeError(model, average) < 1e-5, $"relative error {TestGraphs.RelativeError(model, average):E2}");
        }
    }

    [Fact]
    public void PushSum_LateShares_ArriveLaterAndKeepTheMass()
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 11);
        var average = TestGraphs.Mean(initial);

        var result = AveragingTests.Average(graph, AlgorithmKind.PushSum, initial, rounds: 400, new NetworkConditions(MaxDelayRounds: 3));

        Assert.Equal(0, result.MessagesLost);
        // Only the shares still in flight at the end are missing from the nodes.
        Assert.Equal(graph.NodeCount, result.Weights.Sum() + result.LostWeight, 9);
        foreach (var model in result.Models)
        {
            Assert.True(TestGraphs.RelativeError(model, average) < 1e-5, $"relative error {TestGraphs.RelativeError(model, average):E2}");
        }
    }

    [Fact]
    public void PushSum_UnderChurn_PeersThatAreDownMissRoundsAndMassSentToThemIsLost()
    {
        var graph = TestGraphs.OneWayTrust(16, 2, 2, seed: 3);
        var initial = TestGraphs.RandomVectors(graph.NodeCount, Length, 11);
        var sink = new ListSink();
        var learners = Enumerable.Range(0, graph.NodeCount).Select(_ => new FixedLearner(Length)).ToArray();
        var options = new SimulationOptions(AlgorithmKind.PushSum, 60, 5, new NetworkConditions(ChurnProbability: 0.1, MeanDowntimeRounds: 3), EvalEvery: 0);

        var result = new Simulator(_ => graph, learners, initial, options, sink).Run();

        Assert.Contains(sink.Rounds, r => r.Alive < graph.NodeCount);
        Assert.True(result.MessagesLost > 0);
        Assert.Equal(graph.NodeCount, result.Weights.Sum() + result.LostWeight, 9);
    }

    [Fact]
    public void Dol_MissingSender_RowIsRescaledSoTheResultStaysAnAverage()
    {
        var graph = TestGraphs.DirectedWithHub(6);
        var constant = Enumerable.Range(0, graph.NodeCount).Select(_ => Enumerable.Repeat(3.5f, Length).ToArray()).ToArray();

        var result = AveragingTests.Average(graph, AlgorithmKind.Dol, constant, rounds: 30, new NetworkConditions(LossProbability: 0.3));

        // Rescaling the weights of what arrived keeps every value a convex combination: a constant stays constant.
        Assert.True(result.MessagesLost > 0);
        Assert.All(result.Models, m => Assert.All(m, v => Assert.Equal(3.5f, v, 5)));
    }
}
