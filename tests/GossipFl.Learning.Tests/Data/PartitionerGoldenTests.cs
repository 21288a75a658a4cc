using GossipFl.Learning.Data;

namespace GossipFl.Learning.Tests.Data;

/// <summary>
/// Exact outputs for one small fixed input. Peers running different builds, .NET versions or machines must
/// compute these same partitions; if one changes, the change to the random stream was deliberate and documented,
/// or it is a bug.
/// </summary>
public sealed class PartitionerGoldenTests
{
    private static readonly Dataset Data =
        new("golden", new float[20], Enumerable.Range(0, 20).Select(i => (long)(i % 4)).ToArray(), [1], 4);

    [Fact]
    public void Iid_Seed7_MatchesGolden()
    {
        AssertClients(Partitioner.Iid(Data, 3, 7), [2, 3, 8, 9, 10, 11, 19], [0, 1, 4, 6, 7, 12, 18], [5, 13, 14, 15, 16, 17]);
    }

    [Fact]
    public void Dirichlet_Seed7_MatchesGolden()
    {
        AssertClients(
            Partitioner.Dirichlet(Data, 3, 0.5, 7, minSamplesPerClient: 2),
            [0, 6, 8, 9, 14, 16],
            [4, 5, 7, 10, 13, 17, 18, 19],
            [1, 2, 3, 11, 12, 15]);
    }

    [Fact]
    public void Shards_Seed7_MatchesGolden()
    {
        AssertClients(Partitioner.Shards(Data, 4, 2, 7), [13, 15, 17, 19], [3, 6, 7, 11, 14, 18], [0, 2, 8, 10, 16], [1, 4, 5, 9, 12]);
    }

    [Fact]
    public void Xoshiro_Seed7_GammaAndGaussianDrawsMatchGolden()
    {
        var random = new Xoshiro256StarStar(7);
        Assert.Equal([0.8975531981331653, -2.0249617735667838, -0.1772186443896251], Enumerable.Range(0, 3).Select(_ => random.NextLogGamma(0.5)));
        Assert.Equal([1.0196110891203463, -0.13005897784104878, 0.4032472572408548], Enumerable.Range(0, 3).Select(_ => random.NextGaussian()));
    }

    private static void AssertClients(Partition partition, params int[][] expected)
    {
        Assert.Equal(expected.Length, partition.ClientCount);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c], partition.IndicesOf(c).ToArray());
        }

        Assert.True(partition.Unassigned.IsEmpty);
    }
}
