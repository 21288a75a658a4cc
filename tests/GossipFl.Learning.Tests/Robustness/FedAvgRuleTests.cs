using GossipFl.Learning.Algorithms;
using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Tests.Robustness;

public sealed class FedAvgRuleTests
{
    [Fact]
    public void Median_OddAndEvenCounts_HandComputed()
    {
        var odd = new float[2];
        var outcomes = new ContributionOutcome[3];
        CoordinateWise.Median(odd, Models([1f, 10f], [3f, -5f], [100f, 0f]), outcomes);
        Assert.Equal([3f, 0f], odd);

        var even = new float[1];
        CoordinateWise.Median(even, Models([1f], [2f], [4f], [1000f]), new ContributionOutcome[4]);
        Assert.Equal([3f], even);
    }

    [Fact]
    public void TrimmedMean_DropsFLargestAndSmallest_HandComputed()
    {
        var result = new float[2];
        var outcomes = new ContributionOutcome[5];
        // Coordinate 0: 1 2 3 4 100 -> drop 1 and 100 -> (2+3+4)/3 = 3. Coordinate 1: -50 0 1 2 3 -> (0+1+2)/3 = 1.
        CoordinateWise.TrimmedMean(result, Models([1f, 0f], [2f, 1f], [3f, 2f], [4f, 3f], [100f, -50f]), 1, outcomes);
        Assert.Equal([3f, 1f], result);
    }

    [Fact]
    public void TrimmedMean_FarOffClientAtEveryCoordinate_IsReportedDiscarded_OthersKept()
    {
        var models = new List<ReadOnlyMemory<float>>();
        for (var k = 0; k < 8; k++)
        {
            models.Add(TestVector(k));
        }

        models.Add(Enumerable.Range(0, 33).Select(c => c % 2 == 0 ? 50f : -50f).ToArray());
        var outcomes = new ContributionOutcome[9];
        CoordinateWise.TrimmedMean(new float[33], models, 1, outcomes);
        Assert.Equal(ContributionOutcome.Discarded, outcomes[8]);
        Assert.Equal(8, outcomes.Count(o => o == ContributionOutcome.Kept));
    }

    [Fact]
    public void TrimmedMean_MoreTrimmedThanClients_FallsBackToTheMedian()
    {
        var result = new float[1];
        CoordinateWise.TrimmedMean(result, Models([1f], [5f], [9f]), 4, new ContributionOutcome[3]);
        Assert.Equal([5f], result);
    }

    [Fact]
    public void Krum_Scores_HandComputed()
    {
        // Points 0, 1, 3 and 10 on a line; with one neighbour each score is the squared distance to the nearest.
        var scores = MultiKrum.Scores(Models([0f], [1f], [3f], [10f]), neighbours: 1);
        Assert.Equal([1.0, 1.0, 4.0, 49.0], scores);
    }

    [Fact]
    public void Krum_OutlierIsNotSelected_SelectedAreAveragedBySampleCount()
    {
        // n = 5, F = 1: neighbours n − F − 2 = 2, selected m = n − F = 4.
        var models = Models([0f, 0f], [1f, 0f], [0f, 1f], [1f, 1f], [40f, -40f]);
        var outcomes = new ContributionOutcome[5];
        var result = new float[2];
        MultiKrum.Aggregate(result, models, [1, 1, 1, 1, 1000], 1, outcomes);
        Assert.Equal([ContributionOutcome.Kept, ContributionOutcome.Kept, ContributionOutcome.Kept, ContributionOutcome.Kept, ContributionOutcome.Discarded], outcomes);
        Assert.Equal([0.5f, 0.5f], result);

        MultiKrum.Aggregate(result, models, [3, 1, 0, 0, 1], 1, outcomes);
        Assert.Equal([0.25f, 0f], result);
    }

    [Fact]
    public void NormBound_LongUpdateIsScaledToTheBound_ShortOneKept()
    {
        // Global (1, 1). Client A's update (3, 4) has norm 5 > 2 -> (1.2, 1.6); client B's (0.5, 0) is kept. Equal weights.
        var global = new float[] { 1f, 1f };
        var outcomes = new ContributionOutcome[2];
        NormBoundedAverage.Aggregate(global, Models([4f, 5f], [1.5f, 1f]), [1, 1], 2.0, outcomes);
        Assert.Equal([ContributionOutcome.Clipped, ContributionOutcome.Kept], outcomes);
        Assert.Equal(1f + ((1.2f + 0.5f) / 2), global[0], 1e-6f);
        Assert.Equal(1f + (1.6f / 2), global[1], 1e-6f);
    }

    [Fact]
    public void Coordinator_Median_OneHugeReplyDoesNotMoveTheGlobalModel_AndIsCounted()
    {
        var coordinator = new FedAvgCoordinator(0, [0f], aggregation: AggregationSpec.Parse("trimmed:1"));
        coordinator.Broadcast(0, [1, 2, 3, 4], []);
        coordinator.Receive(new GossipMessage(4, 0, 0, 1, 0, Values(1e9f)));
        coordinator.Receive(new GossipMessage(1, 0, 0, 1, 0, Values(1f)));
        coordinator.Receive(new GossipMessage(2, 0, 0, 1, 0, Values(2f)));
        coordinator.Receive(new GossipMessage(3, 0, 0, 1, 0, Values(3f)));
        Assert.Equal(4, coordinator.Complete());
        Assert.Equal(2.5f, coordinator.Global[0]);
        Assert.Equal([1, 2, 3, 4], coordinator.LastVerdicts.Select(v => v.Peer));
        Assert.Equal(ContributionOutcome.Discarded, coordinator.LastVerdicts[3].Outcome);
    }

    [Fact]
    public void Coordinator_ExplicitMean_IsBitIdenticalToTheDefault()
    {
        var replies = Enumerable.Range(1, 5).Select(k => new GossipMessage(k, 0, 0, 10 + k, 0, TestVector(k))).ToArray();
        var plain = new FedAvgCoordinator(0, new float[33]);
        var mean = new FedAvgCoordinator(0, new float[33], aggregation: AggregationSpec.Parse("mean"));
        foreach (var coordinator in new[] { plain, mean })
        {
            coordinator.Broadcast(0, [1, 2, 3, 4, 5], []);
            foreach (var reply in replies.Reverse())
            {
                coordinator.Receive(reply);
            }

            coordinator.Complete();
        }

        Assert.True(plain.Global.SequenceEqual(mean.Global));
        Assert.All(mean.LastVerdicts, v => Assert.Equal(ContributionOutcome.Kept, v.Outcome));
    }

    internal static float[] TestVector(int k) =>
        Enumerable.Range(0, 33).Select(c => (float)Math.Sin((k * 7.3) + (c * 0.91)) / 3).ToArray();

    private static List<ReadOnlyMemory<float>> Models(params float[][] models) => models.Select(m => (ReadOnlyMemory<float>)m).ToList();

    private static float[] Values(params float[] values) => values;
}
