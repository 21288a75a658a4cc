using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Robustness;
using GossipFl.Learning.Tests.Algorithms;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Tests.Robustness;

public sealed class GossipClippingTests
{
    [Fact]
    public void DPsgd_Clipped_FarNeighbourPullsAtMostTau_HandComputed()
    {
        // Ring of three: Metropolis-Hastings weights are 1/3 everywhere. Node 0 at (0, 0), node 1 at (1, 0) (distance 1,
        // kept), node 2 at (0, 100) (clipped to (0, 2) with τ = 2): x0' = ((0, 0) + (1, 0) + (0, 2)) / 3.
        var nodes = Round(TestGraphs.Ring(3), AlgorithmKind.DPsgd, AggregationSpec.Parse("clipped:2"), [[0f, 0f], [1f, 0f], [0f, 100f]]);
        Assert.Equal(1f / 3, nodes[0].X[0], 1e-6f);
        Assert.Equal(2f / 3, nodes[0].X[1], 1e-6f);
        Assert.Equal([new ContributionVerdict(1, ContributionOutcome.Kept), new ContributionVerdict(2, ContributionOutcome.Clipped)], nodes[0].LastVerdicts);
        Assert.Equal(2.0, nodes[0].LastRadius);
    }

    [Fact]
    public void DPsgd_ClippedAuto_RadiusIsTheLowerMedianNeighbourDistance_FarBeyondItIsDiscarded()
    {
        // τ = lower median of {1, 100} = 1; node 2 at distance 100 > 4τ is replaced by node 0's own vector.
        var nodes = Round(TestGraphs.Ring(3), AlgorithmKind.DPsgd, AggregationSpec.Parse("clipped:auto"), [[0f, 0f], [1f, 0f], [0f, 100f]]);
        Assert.Equal(1.0, nodes[0].LastRadius);
        Assert.Equal(1f / 3, nodes[0].X[0], 1e-6f);
        Assert.Equal(0f, nodes[0].X[1]);
        Assert.Equal(ContributionOutcome.Discarded, nodes[0].LastVerdicts[1].Outcome);

        // Within 4τ it is clipped to τ: node 2 at (0, 3) -> (0, 1).
        nodes = Round(TestGraphs.Ring(3), AlgorithmKind.DPsgd, AggregationSpec.Parse("clipped:auto"), [[0f, 0f], [1f, 0f], [0f, 3f]]);
        Assert.Equal(1f / 3, nodes[0].X[1], 1e-6f);
        Assert.Equal(ContributionOutcome.Clipped, nodes[0].LastVerdicts[1].Outcome);
    }

    [Fact]
    public void DPsgd_ClippedAuto_AFarVectorArrivingAlone_IsJudgedAgainstTheDistancesSeenBefore()
    {
        // Round 0: node 1 at distance 1 and node 2 at 100 arrive; τ = 1 and node 2 is discarded. Round 1: only node 2's
        // far vector arrives (as in asynchronous mode). Judged only against what arrived, τ would be its own distance
        // and it would be kept; against node 1's last distance too, τ stays 1 and it is discarded again.
        var graph = TestGraphs.Ring(3);
        var nodes = Round(graph, AlgorithmKind.DPsgd, AggregationSpec.Parse("clipped:auto"), [[0f, 0f], [1f, 0f], [0f, 100f]]);
        Assert.Equal(ContributionOutcome.Discarded, nodes[0].LastVerdicts[1].Outcome);
        var before = nodes[0].X.ToArray();

        var plans = MixingPlan.ForAll(graph, MixingScheme.MetropolisHastings);
        var outbox = new List<GossipMessage>();
        nodes[0].BeginRound(1, plans[0]);
        nodes[0].Send(outbox);
        nodes[2].BeginRound(1, plans[2]);
        nodes[2].Send(outbox);
        var far = outbox.Single(m => m.From == 2 && m.To == 0) with { Values = Values(before[0], before[1] + 100f) };
        Assert.True(nodes[0].Receive(far));
        nodes[0].Complete();

        Assert.Equal([new ContributionVerdict(2, ContributionOutcome.Discarded)], nodes[0].LastVerdicts);
        Assert.True(nodes[0].LastRadius < 2, $"τ = {nodes[0].LastRadius}");
        Assert.Equal(before, nodes[0].X);
    }

    [Fact]
    public void DPsgd_ClippedAuto_BeforeAMajorityOfNeighboursIsHeard_NothingIsMixedIn()
    {
        // Node 0 trusts nodes 1 and 2. In its first round only node 2's vector arrives: a median over it alone would be
        // its own distance, so it would be kept whatever it is. Until a majority of the neighbours has been heard the
        // node keeps its own model.
        var graph = TestGraphs.Ring(3);
        var node = new GossipNode(0, AlgorithmKind.DPsgd, [0f, 0f], AggregationSpec.Parse("clipped:auto"));
        var plans = MixingPlan.ForAll(graph, MixingScheme.MetropolisHastings);
        var outbox = new List<GossipMessage>();
        node.BeginRound(0, plans[0]);
        node.Send(outbox);
        var other = new GossipNode(2, AlgorithmKind.DPsgd, [0f, 50f], AggregationSpec.Parse("clipped:auto"));
        other.BeginRound(0, plans[2]);
        other.Send(outbox);
        Assert.True(node.Receive(outbox.Single(m => m.From == 2 && m.To == 0)));
        node.Complete();

        Assert.Equal([new ContributionVerdict(2, ContributionOutcome.Discarded)], node.LastVerdicts);
        Assert.Equal(0.0, node.LastRadius);
        Assert.Equal([0f, 0f], node.X);
    }

    [Fact]
    public void PushSum_ClippedAuto_FarSenderIsDiscarded_WeightStillConserved()
    {
        var graph = TestGraphs.DirectedWithHub(6);
        var initial = TestGraphs.RandomVectors(6, 9, 5);
        initial[3] = initial[3].Select(v => v * 1000).ToArray();
        var nodes = Nodes(graph, AlgorithmKind.PushSum, AggregationSpec.Parse("clipped:auto"), initial);
        Step(graph, nodes, 0);
        Assert.Equal(6.0, nodes.Sum(n => n.Weight), 1e-9);
        Assert.Contains(new ContributionVerdict(3, ContributionOutcome.Discarded), nodes[4].LastVerdicts);
    }

    [Theory]
    [InlineData(AlgorithmKind.PushSum)]
    [InlineData(AlgorithmKind.Dol)]
    public void ExplicitMean_IsBitIdenticalToTheDefault_OverRounds(AlgorithmKind algorithm)
    {
        var graph = TestGraphs.DirectedWithHub(7);
        var initial = TestGraphs.RandomVectors(7, 37, 11);
        var plain = Nodes(graph, algorithm, null, initial);
        var mean = Nodes(graph, algorithm, AggregationSpec.Mean, initial);
        for (var round = 0; round < 12; round++)
        {
            Step(graph, plain, round);
            Step(graph, mean, round);
        }

        for (var i = 0; i < 7; i++)
        {
            Assert.True(plain[i].X.AsSpan().SequenceEqual(mean[i].X));
            Assert.Equal(plain[i].Weight, mean[i].Weight);
        }
    }

    [Fact]
    public void PushSum_Clipped_KeepsWeightMass_AndEachStepStaysWithinTauOfTheOwnModel()
    {
        var graph = TestGraphs.DirectedWithHub(6);
        var initial = TestGraphs.RandomVectors(6, 9, 5);
        initial[3] = initial[3].Select(v => v * 1000).ToArray();
        const double tau = 0.25;
        var nodes = Nodes(graph, AlgorithmKind.PushSum, AggregationSpec.Parse("clipped:0.25"), initial);
        var before = new float[9];
        var after = new float[9];
        for (var round = 0; round < 10; round++)
        {
            var models = nodes.Select(n => { var z = new float[9]; n.CopyModel(z); return z; }).ToArray();
            Step(graph, nodes, round);
            Assert.Equal(6.0, nodes.Sum(n => n.Weight), 1e-9);
            for (var i = 0; i < nodes.Length; i++)
            {
                models[i].CopyTo(before, 0);
                nodes[i].CopyModel(after);
                Assert.True(Math.Sqrt(VectorMath.SquaredDistance(before, after)) <= tau * (1 + 1e-4), $"node {i} moved beyond τ in round {round}");
            }
        }

        // Node 3 sends to node 4 (ring) and is clipped there in the first round.
        Assert.Contains(nodes[4].LastVerdicts, v => v.Peer == 3);
    }

    [Fact]
    public void PushSum_Clipped_LiedWeightShareIsDiscarded()
    {
        var graph = TestGraphs.Ring(3);
        var nodes = Nodes(graph, AlgorithmKind.PushSum, AggregationSpec.Parse("clipped:1"), [[0f], [0f], [0f]]);
        var plans = MixingPlan.ForAll(graph, MixingScheme.PushSum);
        nodes[0].BeginRound(0, plans[0]);
        Assert.True(nodes[0].Receive(new GossipMessage(1, 0, 0, 0.5, -3.0, Values(5f))));
        nodes[0].Complete();
        Assert.Equal([new ContributionVerdict(1, ContributionOutcome.Discarded)], nodes[0].LastVerdicts);
        Assert.Equal(1.0, nodes[0].Weight);
    }

    private static GossipNode[] Nodes(TrustGraph graph, AlgorithmKind algorithm, AggregationSpec? spec, float[][] initial) =>
        Enumerable.Range(0, graph.NodeCount).Select(i => new GossipNode(i, algorithm, initial[i], spec)).ToArray();

    private static GossipNode[] Round(TrustGraph graph, AlgorithmKind algorithm, AggregationSpec spec, float[][] initial)
    {
        var nodes = Nodes(graph, algorithm, spec, initial);
        Step(graph, nodes, 0);
        return nodes;
    }

    private static void Step(TrustGraph graph, GossipNode[] nodes, long round)
    {
        var plans = MixingPlan.ForAll(graph, AlgorithmNames.SchemeOf(nodes[0].Algorithm)!.Value);
        var outbox = new List<GossipMessage>();
        foreach (var node in nodes)
        {
            node.BeginRound(round, plans[node.Index]);
            node.Send(outbox);
        }

        foreach (var message in outbox)
        {
            nodes[message.To].Receive(message);
        }

        foreach (var node in nodes)
        {
            node.Complete();
        }
    }

    private static float[] Values(params float[] values) => values;
}
