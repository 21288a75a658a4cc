using System.Net;
using GossipFl.Daemon.Security;
using GossipFl.Daemon.Transport;

namespace GossipFl.Daemon.Tests.Transport;

public sealed class HandshakeTests
{
    [Fact]
    public async Task SendAsync_ResponderDemandingCookies_HandshakeStillCompletes()
    {
        var options = TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"));
        await using var b = await TransportHarness.StartAsync(options with
        {
            CookieThreshold = 0,
        });
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));

        await a.SendAsync(b.LocalEndPoint, "beta", "with cookie"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
        using var received = await TransportHarness.ReceiveAsync(b);

        Assert.Equal("with cookie"u8.ToArray(), received.Payload.ToArray());
        Assert.Equal(1, b.Counters.DroppedOverLimit);
    }

    [Fact]
    public async Task SendAsync_PeerRestartedOnTheSamePort_NewSessionAndDelivery()
    {
        using var betaIdentity = NodeIdentity.CreateEphemeral();
        await using var a = await TransportHarness.StartAsync(TransportHarness.Options("alpha", StaticTrustPolicy.Of("beta")));
        IPEndPoint betaEndPoint;
        await using (var b = await TransportHarness.StartAsync(TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"), identity: betaIdentity)))
        {
            betaEndPoint = b.LocalEndPoint;
            await a.SendAsync(betaEndPoint, "beta", "before"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
            (await TransportHarness.ReceiveAsync(b)).Dispose();
        }

        await using var restarted = await TransportHarness.StartAsync(
            TransportHarness.Options("beta", StaticTrustPolicy.Of("alpha"), identity: betaIdentity, bind: betaEndPoint));
        await a.SendAsync(betaEndPoint, "beta", "after"u8.ToArray(), TimeSpan.FromSeconds(20)).WaitAsync(TransportHarness.Wait);
        using var received = await TransportHarness.ReceiveAsync(restarted);

        Assert.Equal("after"u8.ToArray(), received.Payload.ToArray());
        Assert.Equal(2, a.Counters.HandshakesCompleted);

        // And the restarted side can send back over the new session.
        await restarted.SendAsync(a.LocalEndPoint, "alpha", "hello again"u8.ToArray(), TimeSpan.FromSeconds(10)).WaitAsync(TransportHarness.Wait);
        using var back = await TransportHarness.ReceiveAsync(a);
        Assert.Equal("hello again"u8.ToArray(), back.Payload.ToArray());
    }

    [Fact]
    public async Task SendAsync_BothSidesInitiateAtOnce_BothMessagesArrive()
    {
        var (a, b) = await TransportHarness.PairAsync();
        await using (a)
        await using (b)
        {
            var one = a.SendAsync(b.LocalEndPoint, "beta", "from alpha"u8.ToArray(), TimeSpan.FromSeconds(10));
            var two = b.SendAsync(a.LocalEndPoint, "alpha", "from beta"u8.ToArray(), TimeSpan.FromSeconds(10));
            await Task.WhenAll(one, two).WaitAsync(TransportHarness.Wait);
            using var atB = await TransportHarness.ReceiveAsync(b);
            using var atA = await TransportHarness.ReceiveAsync(a);
            Assert.Equal("from alpha"u8.ToArray(), atB.Payload.ToArray());
            Assert.Equal("from beta"u8.ToArray(), atA.Payload.ToArray());
        }
    }
}
