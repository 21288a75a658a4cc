using System.Collections.Concurrent;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

/// <summary>The application context (the daemon's task signature) sealed in the handshake: equal contexts talk, others never get a session.</summary>
public sealed class ApplicationContextTests
{
    private static readonly TimeSpan ShortDeadline = TimeSpan.FromSeconds(3);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_SameContext_Delivers(bool preSharedKey)
    {
        var psk = preSharedKey ? TransportHarness.RandomBytes(32, 5) : null;
        var context = TransportHarness.RandomBytes(32, 9);
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"), psk: psk) with { ApplicationContext = context });
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta"), psk: psk) with { ApplicationContext = context });

        await a.SendAsync(b.LocalEndPoint, "beta", "same task"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait);

        using var received = await TransportHarness.ReceiveAsync(b);
        Assert.Equal("alpha", received.PeerNode);
        Assert.Equal(0, a.Counters.ContextMismatches + b.Counters.ContextMismatches);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SendAsync_OtherContext_NoSessionAndBothSidesReportTheOthersContext(bool preSharedKey)
    {
        var psk = preSharedKey ? TransportHarness.RandomBytes(32, 5) : null;
        var ours = TransportHarness.RandomBytes(32, 9);
        var theirs = TransportHarness.RandomBytes(32, 10);
        var seenByB = new ConcurrentQueue<(string Peer, byte[] Context)>();
        var seenByA = new ConcurrentQueue<(string Peer, byte[] Context)>();
        await using var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"), psk: psk) with
        {
            ApplicationContext = ours,
            ContextMismatch = (peer, _, context) => seenByB.Enqueue((peer, context)),
        });
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta"), psk: psk) with
        {
            ApplicationContext = theirs,
            ContextMismatch = (peer, _, context) => seenByA.Enqueue((peer, context)),
        });

        var failure = await Assert.ThrowsAsync<TransportException>(
            () => a.SendAsync(b.LocalEndPoint, "beta", "other task"u8.ToArray(), ShortDeadline).WaitAsync(TransportHarness.Wait));

        Assert.Equal(TransportFailure.ContextMismatch, failure.Failure);
        Assert.False(b.Incoming.TryRead(out _));
        Assert.Equal(0, a.Counters.HandshakesCompleted);

        // The responder learns of it from the one Confirm the initiator sends; give that datagram a moment.
        for (var i = 0; i < 50 && seenByB.IsEmpty; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, b.Counters.HandshakesCompleted);
        var (peerSeenByA, contextSeenByA) = Assert.Single(seenByA);
        Assert.Equal("beta", peerSeenByA);
        Assert.Equal(ours, contextSeenByA);
        var (peerSeenByB, contextSeenByB) = Assert.Single(seenByB);
        Assert.Equal("alpha", peerSeenByB);
        Assert.Equal(theirs, contextSeenByB);
        Assert.Equal(1, a.Counters.ContextMismatches);
        Assert.Equal(1, b.Counters.ContextMismatches);
    }

    [Fact]
    public void Options_ContextLongerThan64Bytes_IsRefused()
    {
        var options = TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")) with { ApplicationContext = new byte[65] };

        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpTransport(options));
    }
}
