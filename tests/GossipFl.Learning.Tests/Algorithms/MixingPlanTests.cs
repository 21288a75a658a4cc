using GossipFl.Learning.Algorithms;
using GossipFl.Topology.Mixing;

namespace GossipFl.Learning.Tests.Algorithms;

public sealed class MixingPlanTests
{
    [Theory]
    [InlineData(MixingScheme.PushSum)]
    [InlineData(MixingScheme.RowStochastic)]
    [InlineData(MixingScheme.MetropolisHastings)]
    public void ForAll_EqualsTheMixingMatrixEntryForEntry(MixingScheme scheme)
    {
        var graph = scheme == MixingScheme.MetropolisHastings ? TestGraphs.OneWayTrust(30, 4, 0, 6) : TestGraphs.OneWayTrust(30, 2, 3, 6);
        var matrix = MixingWeights.Build(graph, scheme);

        var plans = MixingPlan.ForAll(graph, scheme);

        for (var i = 0; i < graph.NodeCount; i++)
        {
            var plan = plans[i];
            Assert.Equal(matrix[i, i], plan.SelfWeight, scheme == MixingScheme.PushSum ? 1e-7 : 0.0);
            Assert.Equal(graph.Followers(i).ToArray(), plan.Destinations.ToArray());
            Assert.Equal(graph.Trusted(i).ToArray(), plan.Sources.ToArray());
            for (var k = 0; k < plan.Destinations.Length; k++)
            {
                Assert.Equal(scheme == MixingScheme.PushSum ? matrix[plan.Destinations[k], i] : 1.0, plan.SendShares[k], scheme == MixingScheme.PushSum ? 1e-7 : 0.0);
            }

            for (var k = 0; k < plan.Sources.Length; k++)
            {
                Assert.Equal(scheme == MixingScheme.PushSum ? 1.0 : matrix[i, plan.Sources[k]], plan.ReceiveWeights[k]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(16)]
    [InlineData(999)]
    public void PushSumShares_AreFloatValuesAndEachColumnSumsToExactlyOne(int outDegree)
    {
        var (share, self) = MixingPlan.PushSumShares(outDegree);

        Assert.Equal(share, (double)(float)share);
        Assert.Equal(self, (double)(float)self);
        var column = self;
        for (var k = 0; k < outDegree; k++)
        {
            column += share;
        }

        Assert.Equal(1.0, column);
    }
}
