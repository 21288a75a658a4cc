using GossipFl.Learning.Robustness;

namespace GossipFl.Learning.Tests.Robustness;

public sealed class ContributionCountsTests
{
    private static ContributionVerdict Clip(int peer) => new(peer, ContributionOutcome.Clipped);

    private static ContributionVerdict Drop(int peer) => new(peer, ContributionOutcome.Discarded);

    private static ContributionVerdict Keep(int peer) => new(peer, ContributionOutcome.Kept);

    [Fact]
    public void Record_CountsPerReceiverAndSender_AndTotalsPerSender()
    {
        var counts = new ContributionCounts(5);

        Assert.Equal((2L, 1L), counts.Record(0, [Clip(1), Clip(2), Drop(3), Keep(4)]));
        Assert.Equal((1L, 1L), counts.Record(0, [Clip(1), Drop(1)]));
        Assert.Equal((0L, 1L), counts.Record(4, [Drop(1), Keep(2)]));

        Assert.Equal(2, counts.Clipped(0, 1));
        Assert.Equal(1, counts.Discarded(0, 1));
        Assert.Equal(1, counts.Discarded(4, 1));
        Assert.Equal(0, counts.Clipped(4, 2));
        Assert.Equal(0, counts.Clipped(2, 0));
        Assert.Equal(2, counts.ClippedTotal(1));
        Assert.Equal(2, counts.DiscardedTotal(1));
        Assert.Equal(1, counts.ClippedTotal(2));
        Assert.Equal(0, counts.ClippedTotal(4));
    }

    [Fact]
    public void MostPenalizedBy_IsTheMostClippedOrDiscarded_LowestIndexOnATie_NullWhenNone()
    {
        var counts = new ContributionCounts(6);
        counts.Record(0, [Clip(5), Drop(3)]);
        counts.Record(0, [Clip(5), Clip(3)]);
        counts.Record(1, [Keep(2)]);
        counts.Record(2, [Drop(4)]);
        counts.Record(2, [Clip(4), Clip(1)]);

        // Sender 3 and 5 are tied at two each: the lower index wins, whatever the order they were first seen in.
        Assert.Equal(3, counts.MostPenalizedBy(0));
        Assert.Null(counts.MostPenalizedBy(1));
        Assert.Equal(4, counts.MostPenalizedBy(2));
        Assert.Null(counts.MostPenalizedBy(3));
    }

    [Fact]
    public void ManyNodes_MemoryFollowsWhatWasRecorded_NotTheSquareOfTheNodeCount()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var counts = new ContributionCounts(4096);
        for (var receiver = 0; receiver < 4096; receiver += 64)
        {
            counts.Record(receiver, [Clip((receiver + 1) % 4096), Drop((receiver + 2) % 4096)]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Two N×N arrays of longs would be 268 MB; per-sender totals and 64 small dictionaries are well under 1 MB.
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated");
        Assert.Equal(1, counts.ClippedTotal(65));
        Assert.Equal(65, counts.MostPenalizedBy(64));
    }
}
