using GossipFl.Daemon.Node;

namespace GossipFl.Daemon.Tests.Node;

public sealed class PresumedDownPeersTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ASourceSilentForThreeRoundsInARow_IsNotAwaited_UntilAShareOfItArrives()
    {
        var down = new PresumedDownPeers(3);

        Assert.False(down.EndRound("c", heard: false));
        Assert.False(down.EndRound("c", heard: false));
        Assert.True(down.IsAwaited("c"));
        Assert.True(down.EndRound("c", heard: false));
        Assert.False(down.IsAwaited("c"));
        Assert.False(down.EndRound("c", heard: false)); // said once, not every round

        Assert.True(down.Heard("c"));
        Assert.True(down.IsAwaited("c"));
        Assert.False(down.Heard("c"));
    }

    [Fact]
    public void ASourceThatIsLateNowAndThen_IsNeverPresumedDown()
    {
        var down = new PresumedDownPeers(3);
        for (var round = 0; round < 30; round++)
        {
            Assert.False(down.EndRound("b", heard: round % 3 == 2));
        }

        Assert.True(down.IsAwaited("b"));
    }

    [Fact]
    public void AFollowerThatTookNoShareForThreeRounds_IsNotSentTo_ButProbedAfter3Then6Then12Rounds()
    {
        var down = new PresumedDownPeers(3);
        for (long round = 0; round < 3; round++)
        {
            Assert.True(down.ShouldSendTo("c", round, null, out _));
            Assert.Equal(round == 2, down.Delivered("c", round, delivered: false, T0, out _));
        }

        var sent = new List<long>();
        for (long round = 3; round < 40; round++)
        {
            if (down.ShouldSendTo("c", round, null, out var back))
            {
                Assert.False(back);
                sent.Add(round);
                Assert.False(down.Delivered("c", round, delivered: false, T0.AddSeconds(round), out var reached));
                Assert.False(reached);
            }
        }

        Assert.Equal([5, 11, 23], sent);
    }

    [Fact]
    public void AFollowerPresumedDown_IsBack_WhenHeardFromAfterwards_OrWhenAProbeIsDelivered()
    {
        var down = new PresumedDownPeers(1);
        Assert.True(down.Delivered("c", 0, delivered: false, T0, out _));
        Assert.False(down.ShouldSendTo("c", 0, T0.AddSeconds(-1), out _)); // heard before it went quiet: still down

        Assert.True(down.ShouldSendTo("c", 0, T0.AddSeconds(1), out var back));
        Assert.True(back);
        Assert.True(down.ShouldSendTo("c", 1, null, out back));
        Assert.False(back);

        Assert.True(down.Delivered("c", 1, delivered: false, T0.AddSeconds(2), out _));
        Assert.True(down.ShouldSendTo("c", 2, null, out _)); // the first probe, one round later
        Assert.False(down.Delivered("c", 2, delivered: true, T0.AddSeconds(3), out var reached));
        Assert.True(reached);
        Assert.True(down.ShouldSendTo("c", 3, null, out _));
    }
}
