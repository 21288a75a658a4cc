using GossipFl.Learning.Algorithms;

namespace GossipFl.Learning.Tests.Algorithms;

public sealed class FedAvgTests
{
    [Fact]
    public void Coordinator_AveragesRepliesWeightedBySampleCount_HandComputed()
    {
        var coordinator = new FedAvgCoordinator(0, [0f, 0f, 0f]);
        var outbox = new List<GossipMessage>();
        coordinator.Broadcast(4, [1, 2, 3], outbox);
        Assert.Equal(3, outbox.Count);

        // Clients with 1, 3 and 4 samples: global = (1·a + 3·b + 4·c) / 8.
        Assert.True(coordinator.Receive(new GossipMessage(3, 0, 4, 4, 0, Vector(0f, 2f, -2f))));
        Assert.True(coordinator.Receive(new GossipMessage(1, 0, 4, 1, 0, Vector(8f, 0f, 8f))));
        Assert.True(coordinator.Receive(new GossipMessage(2, 0, 4, 3, 0, Vector(0f, 8f, 0f))));
        Assert.False(coordinator.Receive(new GossipMessage(2, 0, 3, 3, 0, Vector(9f, 9f, 9f))));

        Assert.Equal(3, coordinator.Complete());
        Assert.Equal([1f, 4f, 0f], coordinator.Global.ToArray());
    }

    [Fact]
    public void Coordinator_NoReplies_KeepsTheGlobalModel()
    {
        var coordinator = new FedAvgCoordinator(0, [1f, 2f]);
        coordinator.Broadcast(0, [1], []);
        Assert.Equal(0, coordinator.Complete());
        Assert.Equal([1f, 2f], coordinator.Global.ToArray());
    }

    [Fact]
    public void Client_TrainsFromTheGlobalModelAndRepliesWithItsSampleCount()
    {
        var client = new FedAvgClient(2, [0f, 0f]);
        var reply = client.TrainAndReply(new GossipMessage(0, 2, 5, 1, 0, Vector(3f, 4f)), new FixedLearner(2, sampleCount: 17), out var loss);
        Assert.Equal(0, loss);
        Assert.Equal(17, reply.Share);
        Assert.Equal(0, reply.To);
        Assert.Equal(5, reply.Round);
        Assert.Equal([3f, 4f], reply.Values.ToArray());
        Assert.Equal([3f, 4f], client.LastGlobal.ToArray());
    }

    [Theory]
    [InlineData(0.1, 20, 2)]
    [InlineData(0.5, 20, 10)]
    [InlineData(0.01, 20, 1)]
    [InlineData(1.0, 7, 7)]
    public void SelectClients_DrawsRoundedFractionOfCandidates_DeterministicPerRound(double fraction, int candidates, int expected)
    {
        var pool = Enumerable.Range(0, candidates).ToArray();
        var chosen = FedAvgCoordinator.SelectClients(3, pool, fraction, 42);
        Assert.Equal(expected, chosen.Length);
        Assert.Equal(chosen.Order(), chosen);
        Assert.Equal(chosen.Length, chosen.Distinct().Count());
        Assert.Equal(chosen, FedAvgCoordinator.SelectClients(3, pool, fraction, 42));
        if (expected < candidates)
        {
            Assert.Contains(Enumerable.Range(4, 10), r => !FedAvgCoordinator.SelectClients(r, pool, fraction, 42).SequenceEqual(chosen));
        }
    }

    private static float[] Vector(params float[] values) => values;
}
