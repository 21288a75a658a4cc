using FsCheck.Fluent;
using GossipFl.Topology.Analysis;
using GossipFl.Topology.Graph;
using GossipFl.Topology.Mixing;

namespace GossipFl.Topology.Tests.Analysis;

public class AnalysisTests
{
    [Fact]
    public void StronglyConnectedComponents_AgreeWithMutualReachability()
    {
        Properties.Hold(TestGraphs.Directed, graph =>
        {
            var components = StronglyConnectedComponents.Compute(graph);
            var reach = Enumerable.Range(0, graph.NodeCount).Select(i => GraphDistances.From(graph, i)).ToArray();
            for (var i = 0; i < graph.NodeCount; i++)
            {
                for (var j = 0; j < graph.NodeCount; j++)
                {
                    var mutual = reach[i][j] >= 0 && reach[j][i] >= 0;
                    if (mutual != (components.ComponentOf(i) == components.ComponentOf(j)))
                    {
                        return false;
                    }
                }
            }

            return true;
        }, cases: 100);
    }

    [Fact]
    public void StronglyConnectedComponents_LongDirectedRing_DoesNotOverflowTheStack()
    {
        var graph = TestGraphs.Make("directed-ring", 200_000, 0);
        Assert.True(StronglyConnectedComponents.Compute(graph).IsStronglyConnected);
    }

    [Fact]
    public void StronglyConnectedComponents_TwoCyclesJoinedOneWay_AreTwoComponents()
    {
        // a <-> b, c <-> d, and c trusts b (information flows b -> c only).
        var graph = new TrustGraphBuilder(["a", "b", "c", "d"]).AddMutualTrust(0, 1).AddMutualTrust(2, 3).AddTrust(2, 1).Build();
        var components = StronglyConnectedComponents.Compute(graph);
        Assert.Equal(2, components.Count);
        Assert.Equal(components.ComponentOf(0), components.ComponentOf(1));
        Assert.NotEqual(components.ComponentOf(1), components.ComponentOf(2));
        Assert.Equal([0, 1, 2, 3], GraphDistances.ReachableFrom(graph, 0));
        Assert.Equal([2, 3], GraphDistances.ReachableFrom(graph, 3));
        Assert.Null(GraphDistances.Diameter(graph));
    }

    [Fact]
    public void Diameter_BitParallelSearch_AgreesWithSeparateSearches()
    {
        var sizes = Gen.Choose(1, 150).SelectMany(n => Gen.Choose(1, 60).SelectMany(
            p => Properties.Seeds.Select(seed => TestGraphs.Make("erdos-renyi", n, seed, ("p", p / 100.0), ("directed", 1)))));
        Properties.Hold(sizes, graph => GraphDistances.Diameter(graph) == GraphDistances.DiameterBySeparateSearches(graph), cases: 100);
        var ring = TestGraphs.Make("directed-ring", 300, 0);
        Assert.Equal(299, GraphDistances.Diameter(ring));
    }

    [Fact]
    public void Diameter_OfRingsAndPaths()
    {
        Assert.Equal(5, GraphDistances.Diameter(TestGraphs.Make("ring", 11, 0, ("k", 1))));
        Assert.Equal(10, GraphDistances.Diameter(TestGraphs.Make("directed-ring", 11, 0)));
        Assert.Equal(2, GraphDistances.Diameter(TestGraphs.Make("star", 11, 0)));
        Assert.Equal(0, GraphDistances.Diameter(TestGraphs.Make("complete", 1, 0)));
    }

    [Fact]
    public void Analyzer_WarnsAboutNoConsensusAndNodesWithoutInNeighbours()
    {
        // c trusts a and b; nobody trusts c; a and b trust no one.
        var graph = new TrustGraphBuilder(["a", "b", "c"]).AddTrust(2, 0).AddTrust(2, 1).Build();
        var report = TopologyAnalyzer.Analyze(graph);
        Assert.False(report.IsStronglyConnected);
        Assert.Contains(report.Warnings, w => w.Contains("not strongly connected (3 strongly connected components)", StringComparison.Ordinal)
            && w.Contains("push-sum cannot reach consensus", StringComparison.Ordinal));
        Assert.Contains(report.Warnings, w => w.StartsWith("2 nodes trust no one", StringComparison.Ordinal) && w.EndsWith("a, b", StringComparison.Ordinal));
        Assert.Contains(report.Warnings, w => w.StartsWith("1 node is trusted by no one", StringComparison.Ordinal) && w.EndsWith(": c", StringComparison.Ordinal));
        // Mass drains into c, so push-sum's matrix has a simple eigenvalue 1 and SLEM 0.5, yet a and b never
        // hear from anyone: the gap must not be read as a consensus rate here.
        Assert.Equal(0.5, report.Spectrum!.Slem, 9);
        Assert.False(report.SpectrumPredictsConsensus);
    }

    [Fact]
    public void Spectrum_PushSumAndDolOnSymmetricGraphs_SymmetrisedAgreesWithGeneralSolver()
    {
        Properties.Hold(TestGraphs.Symmetric, graph =>
        {
            if (graph.NodeCount < 2)
            {
                return true;
            }

            return new[] { MixingWeights.PushSum(graph), MixingWeights.RowStochastic(graph) }.All(w =>
            {
                var fast = SpectralAnalysis.Analyze(w);
                var general = w.ToDense().Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Asymmetric).EigenValues
                    .Select(z => z.Magnitude).OrderDescending().ToArray();
                return fast.Method == SpectralMethod.Symmetrised && Math.Abs(fast.Slem - Math.Min(general[1], 1.0)) < 1e-9;
            });
        }, cases: 80);
    }

    [Fact]
    public void Spectrum_DirectedGraph_UsesTheGeneralSolver()
    {
        var result = SpectralAnalysis.Analyze(MixingWeights.PushSum(TestGraphs.Make("directed-ring", 6, 0)));
        Assert.Equal(SpectralMethod.General, result.Method);
    }

    [Fact]
    public void Spectrum_TwoClosedComponents_HaveSlemOne()
    {
        var graph = new TrustGraphBuilder(["a", "b", "c", "d"]).AddMutualTrust(0, 1).AddMutualTrust(2, 3).Build();
        var result = SpectralAnalysis.Analyze(MixingWeights.MetropolisHastings(graph));
        Assert.Equal(1.0, result.Slem, 9);
        Assert.Equal(0.0, result.SpectralGap, 9);
    }

    [Fact]
    public void Degrees_AreCountedWithoutSelfLoops()
    {
        var report = TopologyAnalyzer.Analyze(TestGraphs.Make("star", 5, 0));
        Assert.Equal(new DegreeStatistics(1, 4, 8 / 5.0), report.InDegrees);
        Assert.Equal(report.InDegrees, report.OutDegrees);
    }

    [Fact]
    public void Spectrum_OfARingWithMetropolisHastings_MatchesTheClosedForm()
    {
        // Ring of n with MH weights 1/3: eigenvalues 1/3 + 2/3 cos(2 pi k / n); SLEM at k = 1.
        var n = 10;
        var result = SpectralAnalysis.Analyze(MixingWeights.MetropolisHastings(TestGraphs.Make("ring", n, 0)));
        Assert.Equal(1.0 / 3 + 2.0 / 3 * Math.Cos(2 * Math.PI / n), result.Slem, 10);
        Assert.Equal(1.0, result.LargestModulus, 10);
    }

    [Fact]
    public void Spectrum_OfADirectedRingWithPushSum_MatchesTheClosedForm()
    {
        // W = (I + P)/2 for the cyclic shift P: eigenvalues (1 + e^{2 pi i k/n})/2, moduli |cos(pi k/n)|.
        var n = 12;
        var result = SpectralAnalysis.Analyze(MixingWeights.PushSum(TestGraphs.Make("directed-ring", n, 0)));
        Assert.Equal(Math.Cos(Math.PI / n), result.Slem, 10);
    }

    [Fact]
    public void Spectrum_MoreLinksMixFaster()
    {
        var ring = SpectralAnalysis.Analyze(MixingWeights.PushSum(TestGraphs.Make("directed-ring", 32, 0)));
        var exponential = SpectralAnalysis.Analyze(MixingWeights.PushSum(TestGraphs.Make("exponential", 32, 0)));
        var complete = SpectralAnalysis.Analyze(MixingWeights.PushSum(TestGraphs.Make("complete", 32, 0)));
        Assert.True(ring.SpectralGap < exponential.SpectralGap);
        Assert.True(exponential.SpectralGap < complete.SpectralGap);
        Assert.Equal(1.0, complete.SpectralGap, 9);
    }

    [Fact]
    public void Spectrum_AboveTheLimit_IsRefusedWithAReason()
    {
        var w = MixingWeights.PushSum(TestGraphs.Make("directed-ring", 50, 0));
        var ex = Assert.Throws<TopologyException>(() => SpectralAnalysis.Analyze(w, maxNodes: 49));
        Assert.Contains("exceeds the limit of 49", ex.Message, StringComparison.Ordinal);
        var report = TopologyAnalyzer.Analyze(TestGraphs.Make("directed-ring", 50, 0), new AnalysisOptions { MaxNodesForSpectrum = 10 });
        Assert.Null(report.Spectrum);
        Assert.Contains("exceed the limit of 10", report.SpectrumSkipped, StringComparison.Ordinal);
    }
}
