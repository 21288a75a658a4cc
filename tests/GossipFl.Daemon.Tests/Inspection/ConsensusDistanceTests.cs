using GossipFl.Daemon.Inspection;

namespace GossipFl.Daemon.Tests.Inspection;

public sealed class ConsensusDistanceTests
{
    [Fact]
    public void PerPeer_ThreeModels_MatchesHandComputedDistances()
    {
        // Mean of (0,0), (2,0), (4,3) is (2,1): squared distances 4+1, 0+1, 4+4.
        var distances = ConsensusDistance.PerPeer([[0f, 0f], [2f, 0f], [4f, 3f]]);

        Assert.Equal([5.0, 1.0, 8.0], distances);
    }

    [Fact]
    public void PerPeer_IdenticalModels_AreAtDistanceZero() =>
        Assert.All(ConsensusDistance.PerPeer([[1f, 2f, 3f], [1f, 2f, 3f]]), d => Assert.Equal(0.0, d));

    [Fact]
    public void PerPeer_DifferentSizes_SayTheyAreNotTheSameModel()
    {
        var error = Assert.Throws<ArgumentException>(() => ConsensusDistance.PerPeer([[1f, 2f], [1f, 2f, 3f]]));

        Assert.Contains("different sizes (2, 3 parameters)", error.Message, StringComparison.Ordinal);
    }
}
