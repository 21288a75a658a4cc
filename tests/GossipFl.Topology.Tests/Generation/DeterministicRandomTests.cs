using GossipFl.Topology.Generation;

namespace GossipFl.Topology.Tests.Generation;

public class DeterministicRandomTests
{
    [Fact]
    public void NextUInt64_SeedZero_MatchesPublishedSplitMix64Sequence()
    {
        // Reference values of SplitMix64 from seed 0 (Vigna's splitmix64.c): pins the algorithm forever.
        var random = new DeterministicRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Fact]
    public void NextInt_StaysInRange_AndCoversEveryValue()
    {
        var random = new DeterministicRandom(42);
        var seen = new int[7];
        for (var i = 0; i < 7_000; i++)
        {
            seen[random.NextInt(7)]++;
        }

        Assert.All(seen, count => Assert.InRange(count, 850, 1150));
    }

    [Fact]
    public void NextDouble_IsInUnitInterval()
    {
        Properties.Hold(Properties.Seeds, seed =>
        {
            var random = new DeterministicRandom(seed);
            return Enumerable.Range(0, 50).Select(_ => random.NextDouble()).All(x => x is >= 0 and < 1);
        });
    }

    [Fact]
    public void SeedForRound_DiffersBetweenRounds_AndIsStable()
    {
        Assert.Equal(DeterministicRandom.SeedForRound(7, 3), DeterministicRandom.SeedForRound(7, 3));
        var seeds = Enumerable.Range(0, 1000).Select(r => DeterministicRandom.SeedForRound(7, r)).ToHashSet();
        Assert.Equal(1000, seeds.Count);
        Assert.NotEqual(DeterministicRandom.SeedForRound(7, 0), DeterministicRandom.SeedForRound(8, 0));
    }
}
