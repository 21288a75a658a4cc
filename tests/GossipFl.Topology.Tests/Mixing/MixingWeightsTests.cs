using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Topology.Tests.Mixing;

public class MixingWeightsTests
{
    [Fact]
    public void PushSum_IsColumnStochastic_OnEveryGraph()
    {
        Properties.Hold(TestGraphs.Directed, graph =>
            MixingMatrixChecker.Verify(MixingWeights.PushSum(graph), graph).Count == 0);
    }

    [Fact]
    public void RowStochastic_IsRowStochastic_OnEveryGraph()
    {
        Properties.Hold(TestGraphs.Directed, graph =>
            MixingMatrixChecker.Verify(MixingWeights.RowStochastic(graph), graph).Count == 0);
    }

    [Fact]
    public void MetropolisHastings_IsSymmetricAndDoublyStochastic_OnEverySymmetricGraph()
    {
        Properties.Hold(TestGraphs.Symmetric, graph =>
        {
            var w = MixingWeights.MetropolisHastings(graph);
            return MixingMatrixChecker.Verify(w, graph).Count == 0
                && Enumerable.Range(0, graph.NodeCount).All(i => Math.Abs(w.RowValues(i).ToArray().Sum() - 1) < 1e-12);
        });
    }

    [Fact]
    public void PushSum_PreservesMassAndReachesTheExactAverage_OnAStronglyConnectedDigraph()
    {
        // ARCHITECTURE.md §4: pure push-sum averaging on a strongly connected directed graph converges to the
        // average of the initial values; x/w de-biases what plain mixing would skew.
        var graph = TestGraphs.Make("one-way-trust", 30, 9, ("base_degree", 2), ("out_degree", 3));
        var w = MixingWeights.PushSum(graph);
        var x = Enumerable.Range(0, 30).Select(i => (double)(i * i % 17)).ToArray();
        var weights = Enumerable.Repeat(1.0, 30).ToArray();
        var average = x.Average();
        var nextX = new double[30];
        var nextW = new double[30];
        for (var step = 0; step < 400; step++)
        {
            w.Multiply(x, nextX);
            w.Multiply(weights, nextW);
            (x, nextX) = (nextX, x);
            (weights, nextW) = (nextW, weights);
        }

        Assert.Equal(30.0, weights.Sum(), 9);
        Assert.Equal(average * 30, x.Sum(), 9);
        Assert.All(Enumerable.Range(0, 30), i => Assert.Equal(average, x[i] / weights[i], 9));
    }

    [Fact]
    public void RowStochastic_OnADirectedGraph_ReachesABiasedConsensus()
    {
        // The DOL baseline agrees, but not on the average: the reason OPS uses push-sum.
        var graph = TestGraphs.Make("one-way-trust", 30, 9, ("base_degree", 2), ("out_degree", 3));
        var w = MixingWeights.RowStochastic(graph);
        var x = Enumerable.Range(0, 30).Select(i => (double)(i * i % 17)).ToArray();
        var next = new double[30];
        for (var step = 0; step < 400; step++)
        {
            w.Multiply(x, next);
            (x, next) = (next, x);
        }

        Assert.True(x.Max() - x.Min() < 1e-9);
        Assert.True(Math.Abs(x[0] - Enumerable.Range(0, 30).Average(i => i * i % 17)) > 1e-3);
    }

    [Fact]
    public void PushSum_WeightIsOneOverSenderOutDegreePlusOne()
    {
        // a trusts b and c; b trusts c; c trusts a. Followers: a -> {c}, b -> {a}, c -> {a, b}.
        var graph = new TrustGraphBuilder(["a", "b", "c"]).AddTrust(0, 1).AddTrust(0, 2).AddTrust(1, 2).AddTrust(2, 0).Build();
        var w = MixingWeights.PushSum(graph);
        Assert.Equal(1.0 / 3, w[0, 2], 15); // c sends to a and b and keeps a third
        Assert.Equal(1.0 / 3, w[2, 2], 15);
        Assert.Equal(1.0 / 2, w[0, 1], 15);
        Assert.Equal(1.0 / 2, w[0, 0], 15);
        Assert.Equal(0.0, w[1, 0]);
    }

    [Fact]
    public void MetropolisHastings_MatchesTheFormulaOnAPath()
    {
        // Path a - b - c: degrees 1, 2, 1. W[a,b] = 1/(1+max(1,2)) = 1/3, W[a,a] = 2/3, W[b,b] = 1/3.
        var graph = new TrustGraphBuilder(["a", "b", "c"]).AddMutualTrust(0, 1).AddMutualTrust(1, 2).Build();
        var w = MixingWeights.MetropolisHastings(graph);
        Assert.Equal(1.0 / 3, w[0, 1], 15);
        Assert.Equal(2.0 / 3, w[0, 0], 15);
        Assert.Equal(1.0 / 3, w[1, 1], 15);
        Assert.Equal(0.0, w[0, 2]);
    }

    [Fact]
    public void MetropolisHastings_OnADirectedGraph_NamesTheOneWayPair()
    {
        var graph = new TrustGraphBuilder(["a", "b"]).AddTrust(0, 1).Build();
        var ex = Assert.Throws<TopologyException>(() => MixingWeights.MetropolisHastings(graph));
        Assert.Contains("'a' trusts 'b' and not the other way round", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Checker_FindsEachBrokenProperty()
    {
        // A column-stochastic matrix claimed as row-stochastic fails the row sums; the checker is not a rubber stamp.
        var graph = TestGraphs.Make("directed-ring", 4, 0);
        var pushSum = MixingWeights.PushSum(graph);
        var mislabelled = new MixingMatrix(MixingScheme.RowStochastic,
            [0, 2, 4, 6, 8], [0, 3, 0, 1, 1, 2, 2, 3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7]);
        Assert.Empty(MixingMatrixChecker.Verify(pushSum, graph));
        var problems = MixingMatrixChecker.Verify(mislabelled, graph);
        Assert.Contains(problems, p => p.Contains("row 3 sums to 1.2", StringComparison.Ordinal));

        var untrusted = new MixingMatrix(MixingScheme.RowStochastic,
            [0, 2, 4, 6, 8], [0, 2, 0, 1, 1, 2, 2, 3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
        Assert.Contains(MixingMatrixChecker.Verify(untrusted, graph), p => p.Contains("node 0 does not trust node 2", StringComparison.Ordinal));
    }

    [Fact]
    public void DenseAndSparseViews_AgreeWithTheIndexer()
    {
        var graph = TestGraphs.Make("small-world", 12, 3, ("k", 4), ("p", 0.3));
        var w = MixingWeights.MetropolisHastings(graph);
        var dense = w.ToDense();
        var sparse = w.ToSparse();
        for (var i = 0; i < 12; i++)
        {
            for (var j = 0; j < 12; j++)
            {
                Assert.Equal(w[i, j], dense[i, j]);
                Assert.Equal(w[i, j], sparse[i, j]);
            }
        }
    }
}
