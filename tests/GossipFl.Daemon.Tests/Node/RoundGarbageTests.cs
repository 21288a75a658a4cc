using GossipFl.Daemon.Node;

namespace GossipFl.Daemon.Tests.Node;

public sealed class RoundGarbageTests
{
    [Fact]
    public void AfterRound_CollectsOnlyOnceTheRoundsSinceTheLastCollectionAllocatedTheThreshold()
    {
        long allocated = 1_000;
        var garbage = new RoundGarbage(() => allocated, enabled: true);

        allocated += RoundGarbage.Threshold - 1;
        Assert.False(garbage.AfterRound());
        allocated += 1;
        Assert.True(garbage.AfterRound());
        allocated += RoundGarbage.Threshold / 2;
        Assert.False(garbage.AfterRound()); // counted again from the collection
        allocated += RoundGarbage.Threshold / 2;
        Assert.True(garbage.AfterRound());
    }

    [Fact]
    public void AfterRound_PastTheThreshold_FreesThePastRoundsModelSizedArrays()
    {
        var garbage = new RoundGarbage(enabled: true);
        var past = AllocateUnreachableLargeArrays(out var count);
        var collectionsBefore = GC.CollectionCount(GC.MaxGeneration);

        Assert.True(garbage.AfterRound());
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collectionsBefore);
        Assert.False(past.TryGetTarget(out _), $"the last of {count} model-sized arrays survived the collection");
    }

    [Fact]
    public void AfterRound_InAProcessThatDoesNotHostOneDaemon_NeverCollects()
    {
        long allocated = 0;
        var garbage = new RoundGarbage(() => allocated, enabled: false);

        allocated += 10 * RoundGarbage.Threshold;

        Assert.False(garbage.AfterRound());
    }

    private static WeakReference<float[]> AllocateUnreachableLargeArrays(out int count)
    {
        const int modelValues = 200_000; // the 2NN MLP's 199,210 parameters, 800 KB: a large object
        count = (int)(RoundGarbage.Threshold / (modelValues * sizeof(float))) + 2;
        float[] last = [];
        for (var i = 0; i < count; i++)
        {
            last = new float[modelValues];
        }

        return new WeakReference<float[]>(last);
    }
}
